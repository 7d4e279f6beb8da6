"""Privacy (AVG): anonymising people who left before a day (command line and admin page),
and a person's own data as JSON. The audit chain still verifies afterwards, with the same
history and the personal fields redacted."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from registry.privacy import rules
from tests import factories
from tests.support import totp_now

CLI = audit.Actor.system("test")


@pytest.fixture
def people(app):
    """One person who left in 2020 (with a holding, an assignment and audit events that hold
    their name), one who left in 2024, one still employed."""
    competence = factories.make_competence(code="cm")
    service = factories.make_service(code="svc")
    gone = factories.make_person(
        employee_number="E100",
        name="Jan Jansen",
        email="jan@voorbeeldstad.example",
        job_title="Contractmanager",
        leave_date=date(2020, 6, 1),
    )
    recent = factories.make_person(
        employee_number="E200", name="Piet Pieters", leave_date=date(2024, 6, 1)
    )
    staying = factories.make_person(employee_number="E300", name="Kees Klaassen")
    factories.make_holding(person=gone, competence=competence, level=4)
    factories.make_assignment(person=gone, service=service, role="contractmanager")
    requirement = factories.make_requirement(service=service, competence=competence)
    db.session.add(Mitigation(requirement=requirement, kind="training", owner=gone))
    db.session.flush()
    for person in (gone, recent, staying):
        audit.record(CLI, "create", "person", person.id, after=audit.snapshot(person))
    audit.record(
        CLI,
        "update",
        "person",
        gone.id,
        before={"job_title": "Adviseur"},
        after={"job_title": "Contractmanager"},
    )
    audit.record(
        CLI,
        "refused",
        "route",
        "people.edit",
        after={"method": "GET", "path": "/people/E100/edit"},
        result="refused",
    )
    db.session.commit()
    return {"gone": gone.id, "recent": recent.id, "staying": staying.id}


def _verify(runner) -> str:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_pseudonyms_are_stable_keyed_and_look_like_pseudonyms():
    first = rules.pseudonym("E100", b"key")
    assert first == rules.pseudonym("E100", b"key")
    assert first != rules.pseudonym("E100", b"other key")
    assert first != rules.pseudonym("E101", b"key")
    assert rules.is_pseudonym(first) and not rules.is_pseudonym("E100")
    assert rules.default_left_before(date(2025, 1, 1), 365) == date(2024, 1, 2)


def test_dry_run_lists_and_changes_nothing(runner, people):
    before = db.session.execute(select(AuditEvent.id)).all()
    result = runner.invoke(
        args=["privacy", "anonymise", "--left-before", "2021-01-01", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "E100" in result.output and "Jan Jansen" in result.output
    assert "E200" not in result.output and "E300" not in result.output
    assert db.session.get(Person, people["gone"]).name == "Jan Jansen"
    assert db.session.execute(select(AuditEvent.id)).all() == before


def test_anonymise_replaces_personal_fields_keeps_history_and_the_chain(runner, people):
    _verify(runner)
    result = runner.invoke(args=["privacy", "anonymise", "--left-before", "2021-01-01"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 people" in result.output

    gone = db.session.get(Person, people["gone"])
    assert rules.is_pseudonym(gone.employee_number) and gone.name == gone.employee_number
    assert gone.email is None and gone.job_title is None and gone.anonymised_at is not None
    assert gone.leave_date == date(2020, 6, 1)  # dates stay: history and trends count them
    holding = db.session.execute(select(Holding).where(Holding.person_id == gone.id)).scalar()
    assert holding.level == 4
    assert db.session.get(Person, people["recent"]).name == "Piet Pieters"

    # the audit log no longer holds the personal data, and still verifies
    log = " ".join(
        f"{e.before} {e.after}" for e in db.session.execute(select(AuditEvent)).scalars()
    )
    for value in ("Jan Jansen", "jan@voorbeeldstad.example", "Contractmanager", "Adviseur"):
        assert value not in log
    assert "/people/E100" not in log
    assert "Piet Pieters" in log  # not due yet
    _verify(runner)

    actions = [
        (e.action, e.entity)
        for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    ]
    assert ("redact", "audit_event") in actions and ("anonymise", "person") in actions

    # a second run finds nobody and writes nothing
    count = len(actions)
    again = runner.invoke(args=["privacy", "anonymise", "--left-before", "2021-01-01"])
    assert again.exit_code == 0 and "Anonymised 0 people" in again.output
    assert db.session.execute(select(AuditEvent.id)).all().__len__() == count


def test_the_retention_term_is_the_default_day(make_app, people):
    app = make_app(RETENTION_DAYS=365 * 100)  # nobody left a century ago
    result = app.test_cli_runner().invoke(args=["privacy", "anonymise", "--dry-run"])
    assert result.exit_code == 0 and "0 people" in result.output
    app = make_app(RETENTION_DAYS=30)
    result = app.test_cli_runner().invoke(args=["privacy", "anonymise", "--dry-run"])
    assert "E100" in result.output and "E200" in result.output and "E300" not in result.output


@pytest.mark.parametrize("day", ["2999-01-01", "0001-01-01", "not-a-date"])
def test_anonymise_refuses_days_that_have_not_passed_or_are_out_of_range(runner, people, day):
    result = runner.invoke(args=["privacy", "anonymise", "--left-before", day])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert db.session.get(Person, people["gone"]).name == "Jan Jansen"


def test_export_prints_the_persons_own_data_and_is_audited(runner, people):
    result = runner.invoke(args=["privacy", "export", "E100"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"]["name"] == "Jan Jansen"
    assert data["person"]["email"] == "jan@voorbeeldstad.example"
    assert data["holdings"][0]["competence"] == "cm" and data["holdings"][0]["level"] == 4
    assert data["assignments"][0]["service"] == "svc"
    assert data["mitigations_owned"] == [
        {
            "service": "svc",
            "competence": "cm",
            "kind": "training",
            "status": "open",
            "due_on": None,
            "note": None,
        }
    ]
    assert len(data["audit_events"]) == 2
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalar()
    assert (last.action, last.entity, last.entity_id) == ("export", "person", str(people["gone"]))
    missing = runner.invoke(args=["privacy", "export", "E999"])
    assert missing.exit_code == 1 and "E999" in missing.output


# --- the admin page ---------------------------------------------------------------------------


def test_the_page_lists_the_dry_run_first(client_as, people):
    client = client_as("admin")
    response = client.get("/privacy/", query_string={"left_before": "2021-01-01"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-employee-number="E100"' in page and 'data-employee-number="E200"' not in page
    assert db.session.get(Person, people["gone"]).name == "Jan Jansen"


def test_a_day_in_the_future_is_refused_on_the_page(client_as, people):
    response = client_as("admin").get("/privacy/", query_string={"left_before": "2199-01-01"})
    assert response.status_code == 200
    assert "Kies een dag die voorbij is" in response.get_data(as_text=True)


def test_confirming_anonymises_with_csrf(make_app, users, people, runner):

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={
            "email": users["admin"].email,
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    # Administrators give their authenticator's code next (two-factor authentication).
    code_page = client.get("/two-factor/code").get_data(as_text=True)
    token = code_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/two-factor/code", data={"code": totp_now(users["admin"]), "csrf_token": token})
    page = client.get("/privacy/", query_string={"left_before": "2021-01-01"}).get_data(
        as_text=True
    )
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    without = client.post("/privacy/anonymise", data={"left_before": "2021-01-01", "expected": 1})
    assert without.status_code == 400
    assert db.session.get(Person, people["gone"]).name == "Jan Jansen"

    done = client.post(
        "/privacy/anonymise",
        data={"left_before": "2021-01-01", "expected": 1, "csrf_token": token},
    )
    assert done.status_code == 302
    db.session.expire_all()
    gone = db.session.get(Person, people["gone"])
    assert rules.is_pseudonym(gone.name)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "anonymise")
    ).scalar_one()
    assert event.actor_email == users["admin"].email
    _verify(runner)


def test_confirming_a_changed_list_is_refused(client_as, people):
    client = client_as("admin")
    response = client.post("/privacy/anonymise", data={"left_before": "2021-01-01", "expected": 5})
    assert response.status_code == 302
    assert db.session.get(Person, people["gone"]).name == "Jan Jansen"


def test_the_person_page_offers_admins_a_json_download(client_as, people):
    admin = client_as("admin")
    assert "/privacy/people/E100.json" in admin.get("/people/E100").get_data(as_text=True)
    assert "/privacy/people/E100.json" not in client_as("editor").get("/people/E100").get_data(
        as_text=True
    )
    response = admin.get("/privacy/people/E100.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "E100" not in response.headers["Content-Disposition"]
    assert response.json["person"]["employee_number"] == "E100"
    assert admin.get("/privacy/people/E999.json").status_code == 404
