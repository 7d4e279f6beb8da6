"""GET /api/v1/gaps answers exactly the rows of `registry gaps --format json`; the OpenAPI
document is valid OpenAPI 3.1 and documents every operation."""

import json

import pytest
from openapi_spec_validator import validate

from tests.data.four_statuses import D


@pytest.mark.parametrize(
    ("cli_args", "query"),
    [
        ((), ""),
        (("--all",), "&all=true"),
        (("--horizon", "10"), "&horizon=10"),
        (("--all", "--horizon", "0"), "&all=true&horizon=0"),
    ],
)
def test_gaps_are_the_cli_rows(runner, registry, api_as, cli_args, query):
    cli = runner.invoke(args=["gaps", "--as-of", D.isoformat(), "--format", "json", *cli_args])
    assert cli.exit_code == 0, cli.output
    answer = api_as("auditor", "read").get(f"/api/v1/gaps?as_of={D.isoformat()}{query}")
    assert answer.status_code == 200
    assert answer.json == json.loads(cli.output)
    assert answer.json  # the fixture has gaps


def test_bad_gap_parameters_are_problems(app, api_as):
    answer = api_as("auditor", "read").get("/api/v1/gaps?as_of=31-02-2025&horizon=-1")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert {e["parameter"] for e in answer.json["errors"]} == {"as_of", "horizon"}


def test_openapi_document_is_valid_and_complete(app, client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "delete")
    ]
    assert len(operations) >= 55
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"401", "403", "429"} <= codes, (path, method)
        assert any(code.startswith("2") for code in codes), (path, method)
        assert op.get("summary"), (path, method)
        if method in ("put", "delete") and path != "/api/v1/people/{employee_number}/departure":
            assert {"412", "428"} <= codes, (path, method)
    problem = spec["components"]["responses"]["PRECONDITION_FAILED"]["content"]
    assert "application/problem+json" in problem


def test_reference_page_uses_vendored_assets(client_as):
    page = client_as("auditor").get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in text
    assert "/api/v1/openapi.json" in text
    assert "https://" not in text.split("<body", 1)[0]


@pytest.mark.parametrize(
    ("cli_args", "query"),
    [((), ""), (("--all",), "&all=true"), (("--days", "30"), "&days=30")],
)
def test_forecast_is_the_cli_rows(runner, registry, api_as, cli_args, query):
    cli = runner.invoke(args=["forecast", "--as-of", D.isoformat(), "--format", "json", *cli_args])
    assert cli.exit_code == 0, cli.output
    answer = api_as("auditor", "read").get(f"/api/v1/forecast?as_of={D.isoformat()}{query}")
    assert answer.status_code == 200
    assert answer.json == json.loads(cli.output)
    assert answer.json  # the fixture has requirements that fall short


@pytest.mark.parametrize("path", ["/api/v1/gaps", "/api/v1/forecast"])
@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_report_days_outside_the_range_are_problems(app, api_as, path, as_of):
    answer = api_as("auditor", "read").get(f"{path}?as_of={as_of}")
    assert answer.status_code == 422
    assert answer.headers["Content-Type"].startswith("application/problem+json")
