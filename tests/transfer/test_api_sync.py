"""POST /api/v1/sync/…: the per-record difference (dry run), then all or nothing."""

from datetime import date

from sqlalchemy import func, select

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from tests import factories
from tests.support import make_token


def test_dry_run_shows_every_field_and_flags_a_cleared_leave_date(app, api_as):
    factories.make_person(employee_number="P1", name="Anna", leave_date=date(2030, 1, 1))
    factories.make_person(employee_number="P2", name="Bob")
    api = api_as("editor")
    body = {
        "records": [
            {"employee_number": "P1", "name": "Anna", "leave_date": None},
            {"employee_number": "P2", "name": "Bob"},
            {"employee_number": "P3", "name": "Carla", "org_unit": "Directie A / Team B"},
            {"employee_number": "P4", "start_date": "2020-01-01"},
        ]
    }
    answer = api.post("/api/v1/sync/people?dry_run=true", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    records = answer.json["records"]
    assert [r["outcome"] for r in records] == ["changed", "unchanged", "created", "refused"]
    assert records[0]["changes"] == [
        {"field": "leave_date", "old": "2030-01-01", "new": None, "clears": True}
    ]
    assert records[3]["reasons"]  # a new person needs a name
    assert answer.json["summary"] == {"created": 1, "changed": 1, "unchanged": 1, "refused": 1}
    assert db.session.get(Person, 1).leave_date == date(2030, 1, 1)  # nothing written


def test_apply_is_all_or_nothing(app, api_as):
    factories.make_person(employee_number="P1", name="Anna")
    api = api_as("editor")
    refused = api.post(
        "/api/v1/sync/people",
        json={"records": [{"employee_number": "P2", "name": "Bob"}, {"employee_number": "P3"}]},
    )
    assert refused.status_code == 422
    assert refused.json["errors"][0]["pointer"] == "/records/1"
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    applied = api.post(
        "/api/v1/sync/people",
        json={
            "records": [
                {"employee_number": "P1", "job_title": "CM"},
                {"employee_number": "P2", "name": "Bob"},
            ]
        },
    )
    assert applied.status_code == 200, applied.get_data(as_text=True)
    assert applied.json["applied"] is True
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-3:] == ["update", "create", "import"]


def test_holdings_sync_flags_a_lower_level(app, api_as):
    person = factories.make_person(employee_number="P1")
    competence = factories.make_competence(code="CM-01")
    factories.make_holding(person=person, competence=competence, level=4)
    api = api_as("editor")
    answer = api.post(
        "/api/v1/sync/holdings?dry_run=true",
        json={"records": [{"employee_number": "P1", "competence": "CM-01", "level": 2}]},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["records"][0]["changes"] == [
        {"field": "level", "old": 4, "new": 2, "lowers": True}
    ]
    assert db.session.scalar(select(Holding.level)) == 4


def test_refusals_name_the_right_record_after_multi_line_cells(app, api_as):
    factories.make_person(employee_number="P1")
    factories.make_competence(code="CM-01")
    answer = api_as("editor").post(
        "/api/v1/sync/holdings?dry_run=true",
        json={
            "records": [
                {
                    "employee_number": "P1",
                    "competence": "CM-01",
                    "level": 3,
                    "evidence": "line one\nline two\r\nline three",
                },
                {"employee_number": "P1", "competence": "NOPE", "level": 3},
                {"employee_number": "P9", "competence": "CM-01", "level": 3},
            ]
        },
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    outcomes = [r["outcome"] for r in answer.json["records"]]
    assert outcomes == ["created", "refused", "refused"]
    assert "NOPE" in answer.json["records"][1]["reasons"][0]
    assert "P9" in answer.json["records"][2]["reasons"][0]


def test_too_many_records_are_refused_before_any_is_read(app, api_as):
    # A million empty records used to be deserialised one by one before the limit was checked.
    body = '{"records": [' + ",".join(["{}"] * 5_001) + "]}"
    answer = api_as("editor").post(
        "/api/v1/sync/people", data=body, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert "5000" in answer.json["detail"]
    # One error for the list: none of its records was read (each {} lacks its key).
    assert [e["pointer"] for e in answer.json["errors"]] == ["/records"]
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_body_over_the_size_limit_is_refused(make_app, users):
    app = make_app(API_MAX_BODY_BYTES=1_000)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(users['editor'])}"
    body = {"records": [{"employee_number": f"P{i}", "name": "x" * 50} for i in range(20)]}
    answer = client.post("/api/v1/sync/people?dry_run=true", json=body)
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert "1000 bytes" in answer.json["detail"]


def test_a_key_with_spaces_is_the_same_record_in_the_dry_run_as_on_apply(app, api_as):
    """The import strips every key cell; the sync's dry run must find the same record, so
    that what it shows is what apply does ("P01 " is P01, a change, never a new person)."""
    factories.make_person(employee_number="P01", name="Anna")
    api = api_as("editor")
    body = {"records": [{"employee_number": " P01 ", "name": "Bea"}]}
    dry = api.post("/api/v1/sync/people?dry_run=true", json=body)
    assert dry.status_code == 200, dry.get_data(as_text=True)
    [record] = dry.json["records"]
    assert record["outcome"] == "changed"
    assert record["changes"] == [{"field": "name", "old": "Anna", "new": "Bea"}]
    applied = api.post("/api/v1/sync/people", json=body)
    assert applied.status_code == 200, applied.get_data(as_text=True)
    db.session.rollback()
    assert db.session.execute(select(Person.employee_number, Person.name)).all() == [("P01", "Bea")]
