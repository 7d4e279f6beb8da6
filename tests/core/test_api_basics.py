"""Reading, writing and the HTTP semantics of the API."""

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.people.models.staff import Person
from tests import factories


def test_people_read_write(app, api_as):
    factories.make_person(employee_number="P1", name="Anna")
    api = api_as("editor")
    listing = api.get("/api/v1/people")
    assert listing.status_code == 200, listing.get_data(as_text=True)
    assert [p["employee_number"] for p in listing.json] == ["P1"]
    assert 'rel="first"' in listing.headers["Link"]
    assert listing.headers["X-Total-Count"] == "1"
    one = api.get("/api/v1/people/P1")
    assert one.status_code == 200
    etag = one.headers["ETag"]
    created = api.post("/api/v1/people", json={"employee_number": "P2", "name": "Bob"})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["Location"].endswith("/api/v1/people/P2")
    missing = api.put("/api/v1/people/P1/departure", json={"leave_date": "2030-01-01"})
    assert missing.status_code == 428
    assert missing.mimetype == "application/problem+json"
    left = api.put(
        "/api/v1/people/P1/departure", json={"leave_date": "2030-01-01"}, headers={"If-Match": etag}
    )
    assert left.status_code == 200, left.get_data(as_text=True)
    assert left.json["leave_date"] == "2030-01-01"
    stale = api.put(
        "/api/v1/people/P1/departure", json={"leave_date": "2030-02-01"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    person = db.session.query(Person).filter_by(employee_number="P1").one()
    assert person.leave_date.isoformat() == "2030-01-01"
    event = db.session.query(AuditEvent).filter_by(entity="person", action="update").one()
    assert "api-token:" in event.source


def test_deeply_nested_json_is_refused_not_a_500(app, api_as):
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = api_as("editor").post("/api/v1/org-units", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert "32" in answer.json["detail"]  # the depth it allows


def test_json_nested_beyond_the_limit_is_refused(app, api_as):
    body = '{"name": ' + "[" * 40 + "]" * 40 + "}"  # parses, but deeper than any body needs
    answer = api_as("editor").post("/api/v1/org-units", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "32" in answer.json["detail"]


def test_api_answers_are_not_stored_by_caches(app, api_as):
    factories.make_person(employee_number="P1", name="Anna")
    api = api_as("auditor", scope="read")
    for path in ("/api/v1/people", "/api/v1/people/P1", "/api/v1/people/P404"):
        assert api.get(path).headers["Cache-Control"] == "no-store", path
