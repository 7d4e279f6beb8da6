"""Dates and horizons outside 1900–2200 and 0–3650 days are refused with a message on every
report, dossier and audit filter, and by `registry gaps` (they used to answer 500 or end in a
traceback, as Python cannot add days to 9999-12-31)."""

import pytest

from registry.core import periods
from tests import factories

REPORT_PAGES = (
    "/reports/",
    "/reports/gaps",
    "/reports/gaps.csv",
    "/reports/gaps.xlsx",
    "/reports/matrix",
    "/reports/skills",
    "/reports/what-if",
)
DATE_MESSAGE = "Vul een datum in van 1900-01-01 tot en met 2200-12-31."  # Dutch: the default UI


@pytest.fixture
def registry_data(app):
    person = factories.make_person(employee_number="E1")
    service = factories.make_service(code="svc")
    competence = factories.make_competence(code="cmp")
    factories.make_requirement(service=service, competence=competence)
    return person, service, competence


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
@pytest.mark.parametrize("path", REPORT_PAGES)
def test_report_pages_refuse_dates_out_of_range(client_as, registry_data, path, value):
    response = client_as("auditor").get(path, query_string={"as_of": value})
    assert response.status_code == 200
    if path.endswith((".csv", ".xlsx")):
        return  # a download falls back to today, like any other invalid filter
    assert DATE_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/services/svc", "/competences/cmp", "/people/E1", "/reports/what-if"]
)
def test_dossiers_refuse_dates_out_of_range(client_as, registry_data, path):
    response = client_as("auditor").get(path, query_string={"as_of": "9999-12-31"})
    assert response.status_code == 200
    assert DATE_MESSAGE in response.get_data(as_text=True)


def test_what_if_refuses_a_leave_date_out_of_range(client_as, registry_data):
    response = client_as("auditor").get(
        "/reports/what-if",
        query_string={"change_1-person": "E1", "change_1-leave_on": "9999-12-31"},
    )
    assert response.status_code == 200
    assert DATE_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("horizon", ["3651", "99999999", "-1"])
def test_reports_refuse_horizons_out_of_range(client_as, registry_data, horizon):
    response = client_as("auditor").get("/reports/gaps", query_string={"horizon": horizon})
    assert response.status_code == 200
    assert "Vul een aantal dagen in van 0 tot en met 3650." in response.get_data(as_text=True)


def test_the_edges_of_the_range_are_accepted(client_as, registry_data):
    client = client_as("auditor")
    for value in ("1900-01-01", "2200-12-31"):
        response = client.get("/reports/", query_string={"as_of": value, "horizon": "3650"})
        assert response.status_code == 200
        assert DATE_MESSAGE not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_audit_filters_refuse_dates_out_of_range(client_as, users, name, value):
    client = client_as("auditor")
    response = client.get("/audit/", query_string={name: value})
    assert response.status_code == 200
    assert DATE_MESSAGE in response.get_data(as_text=True)
    assert client.get("/audit/export.csv", query_string={name: value}).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["--as-of", "9999-12-31"],
        ["--as-of", "0001-01-01"],
        ["--horizon", "99999999"],
        ["--horizon", "3651"],
    ],
)
def test_cli_gaps_refuses_out_of_range_with_a_usage_error(runner, registry_data, args):
    result = runner.invoke(args=["gaps", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "1900-01-01" in result.output or "3650" in result.output
    assert "Vul een" not in result.output  # the command line speaks English


def test_cli_gaps_accepts_the_edges(runner, registry_data):
    result = runner.invoke(args=["gaps", "--as-of", "2200-12-31", "--horizon", "3650"])
    assert result.exit_code == 0, result.output


def test_the_bounds_live_in_one_place():
    assert periods.date_in_range(periods.MIN_DATE) and periods.date_in_range(periods.MAX_DATE)
    assert not periods.date_in_range(periods.MAX_DATE.replace(year=2201))
    assert periods.horizon_in_range(3650) and not periods.horizon_in_range(3651)


@pytest.mark.parametrize("name", ["start", "end"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_trend_refuses_dates_out_of_range(client_as, registry_data, name, value):
    response = client_as("auditor").get("/reports/trend/", query_string={name: value})
    assert response.status_code == 200
    assert DATE_MESSAGE in response.get_data(as_text=True)
