"""The issue's "done when", as a script would do it with only the OpenAPI document and a
token: read the gap list, register a departure with If-Match, and sync 1,000 people in one
call, looking at the per-record difference first."""

from datetime import date

import pytest

from registry.core.extensions import db
from tests import factories
from tests.support import make_token

AS_OF = date(2026, 1, 5)


class Client:
    """A tiny client that knows nothing but the OpenAPI document and its token."""

    def __init__(self, http, token):
        self.http = http
        self.auth = {"Authorization": f"Bearer {token}"}
        spec = http.get("/api/v1/openapi.json").json
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in spec["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and "operationId" in op
        }

    def call(self, operation, path=None, query="", headers=None, **kwargs):
        method, template = self.operations[operation]
        url = template.format(**(path or {})) + (f"?{query}" if query else "")
        return self.http.open(
            url, method=method, headers={**self.auth, **(headers or {})}, **kwargs
        )


@pytest.fixture
def hr(app, users):
    """A service whose only two holders are assigned; a write token of an editor."""
    service = factories.make_service(code="zaaksysteem")
    competence = factories.make_competence(code="CM-01")
    factories.make_requirement(service, competence, required_level=3, min_holders=1)
    for number in ("P0001", "P0002"):
        person = factories.make_person(employee_number=number, name=f"Person {number}")
        factories.make_assignment(person, service)
        factories.make_holding(person, competence, level=4)
    db.session.commit()
    return Client(app.test_client(), make_token(users["editor"], "write"))


def test_gap_list_departure_and_a_sync_of_1000_people(hr):
    query = f"as_of={AS_OF.isoformat()}&all=true"
    gaps = hr.call("gap_report", query=query)
    assert gaps.status_code == 200
    assert [(g["service"], g["status"]) for g in gaps.json] == [("zaaksysteem", "covered")]

    person = hr.call("get_person", {"employee_number": "P0001"})
    etag = person.headers["ETag"]
    departure = {"leave_date": "2026-02-01"}
    assert (
        hr.call("register_departure", {"employee_number": "P0001"}, json=departure).status_code
        == 428
    )
    done = hr.call(
        "register_departure",
        {"employee_number": "P0001"},
        json=departure,
        headers={"If-Match": etag},
    )
    assert done.status_code == 200
    assert done.headers["ETag"] != etag
    stale = hr.call(
        "register_departure",
        {"employee_number": "P0001"},
        json=departure,
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412

    # Both holders leave within the horizon → the requirement is "leaving".
    hr.call(
        "register_departure",
        {"employee_number": "P0002"},
        json=departure,
        headers={"If-Match": hr.call("get_person", {"employee_number": "P0002"}).headers["ETag"]},
    )
    assert hr.call("gap_report", query=query).json[0]["status"] == "leaving"

    # The HR export: the two known people (one withdraws her departure) and 998 new hires.
    records = [
        {"employee_number": "P0001", "name": "Person P0001", "leave_date": None},
        {"employee_number": "P0002", "name": "Person P0002", "leave_date": "2026-02-01"},
    ] + [
        {
            "employee_number": f"N{n:04d}",
            "name": f"New hire {n}",
            "org_unit": "Directie Dienstverlening / Team Zaken",
            "start_date": "2026-01-01",
        }
        for n in range(998)
    ]
    preview = hr.call("sync_people", query="dry_run=true", json={"records": records})
    assert preview.status_code == 200
    diff = preview.json
    assert diff["summary"] == {"created": 998, "changed": 1, "unchanged": 1, "refused": 0}
    assert diff["records"][0]["changes"] == [
        {"field": "leave_date", "old": "2026-02-01", "new": None, "clears": True}
    ]
    assert hr.call("list_people", query="per_page=1").headers["X-Total-Count"] == "2"

    applied = hr.call("sync_people", json={"records": records})
    assert applied.status_code == 200
    assert applied.json["applied"] is True
    listing = hr.call("list_people", query="per_page=500&page=3")
    assert listing.headers["X-Total-Count"] == "1000"
    assert 'rel="prev"' in listing.headers["Link"] and 'rel="next"' not in listing.headers["Link"]
    assert hr.call("gap_report", query=query).json[0]["status"] == "covered"
