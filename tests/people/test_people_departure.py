"""Registering a departure: the leave date, then its impact, and only then the write."""

import json
from datetime import date, timedelta

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from tests import factories


def sole_holder():
    """A person who alone covers a requirement of an active service."""
    person = factories.make_person(name="Kees Kennis", start_date=date(2015, 1, 1))
    service = factories.make_service(code="zaaksysteem", name="Zaaksysteem")
    competence = factories.make_competence(code="CM", name="Contractmanagement")
    factories.make_requirement(
        service=service, competence=competence, required_level=3, min_holders=1
    )
    factories.make_assignment(person=person, service=service, role="contractmanager")
    factories.make_holding(
        person=person, competence=competence, level=4, assessed_on=date(2024, 1, 1)
    )
    db.session.commit()
    return person


def update_events():
    return db.session.query(AuditEvent).filter_by(entity="person", action="update").all()


def test_departure_shows_the_impact_before_anything_is_written(client_as):
    person = sole_holder()
    leave = date.today() + timedelta(days=30)
    client = client_as("editor")
    assert client.get(f"/people/{person.employee_number}/departure").status_code == 200
    response = client.post(
        f"/people/{person.employee_number}/departure",
        data={"leave_date": leave.isoformat(), "version": person.version},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-service="zaaksysteem" data-competence="CM"' in page
    assert 'data-status="covered"' in page and 'data-status="leaving"' in page
    assert 'name="confirm" type="hidden" value="1"' in page
    db.session.refresh(person)
    assert person.leave_date is None  # nothing written yet
    assert not update_events()


def test_confirming_the_departure_writes_the_leave_date_and_audits_it(client_as):
    person = sole_holder()
    leave = date.today() + timedelta(days=30)
    response = client_as("editor").post(
        f"/people/{person.employee_number}/departure",
        data={"leave_date": leave.isoformat(), "version": person.version, "confirm": "1"},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.leave_date == leave
    event = update_events()[-1]
    assert json.loads(event.before) == {"leave_date": None}
    assert json.loads(event.after) == {"leave_date": leave.isoformat()}


def test_a_departure_beyond_the_usual_horizon_still_shows_its_impact(client_as):
    person = sole_holder()
    leave = date.today() + timedelta(days=200)
    page = (
        client_as("editor")
        .post(
            f"/people/{person.employee_number}/departure",
            data={"leave_date": leave.isoformat(), "version": person.version},
        )
        .get_data(as_text=True)
    )
    assert 'data-competence="CM"' in page


def test_a_departure_without_impact_says_so(client_as):
    person = factories.make_person()
    db.session.commit()
    page = (
        client_as("editor")
        .post(
            f"/people/{person.employee_number}/departure",
            data={"leave_date": "2030-01-01", "version": person.version},
        )
        .get_data(as_text=True)
    )
    assert 'data-impact="none"' in page


def test_leave_date_before_start_date_is_refused_on_the_field(client_as):
    person = factories.make_person(start_date=date(2022, 5, 1))
    db.session.commit()
    for confirm in ("", "1"):
        response = client_as("editor").post(
            f"/people/{person.employee_number}/departure",
            data={"leave_date": "2022-04-30", "version": person.version, "confirm": confirm},
        )
        assert response.status_code == 200
        assert 'id="leave_date-error"' in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.leave_date is None


def test_missing_leave_date_is_refused_on_the_field(client_as):
    person = factories.make_person()
    db.session.commit()
    response = client_as("editor").post(
        f"/people/{person.employee_number}/departure",
        data={"leave_date": "", "version": person.version},
    )
    assert 'id="leave_date-error"' in response.get_data(as_text=True)


def test_confirming_over_a_newer_change_is_answered_409(client_as):
    person = factories.make_person(name="Before")
    db.session.commit()
    opened = person.version
    person.job_title = "Changed meanwhile"
    db.session.commit()
    response = client_as("editor").post(
        f"/people/{person.employee_number}/departure",
        data={"leave_date": "2030-01-01", "version": opened, "confirm": "1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'name="version" type="hidden" value="{opened + 1}"' in page
    assert 'data-typed="2030-01-01"' in page
    db.session.refresh(person)
    assert person.leave_date is None


def test_withdrawing_a_departure_clears_the_leave_date(client_as):
    person = factories.make_person(leave_date=date.today() + timedelta(days=10))
    db.session.commit()
    client = client_as("editor")
    page = client.get(f"/people/{person.employee_number}/departure").get_data(as_text=True)
    assert f"/people/{person.employee_number}/departure/withdraw" in page
    response = client.post(
        f"/people/{person.employee_number}/departure/withdraw", data={"version": person.version}
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.leave_date is None
    assert json.loads(update_events()[-1].after) == {"leave_date": None}


def test_withdrawing_with_a_stale_version_is_answered_409(client_as):
    leave = date.today() + timedelta(days=10)
    person = factories.make_person(leave_date=leave)
    db.session.commit()
    response = client_as("editor").post(
        f"/people/{person.employee_number}/departure/withdraw",
        data={"version": person.version - 1 or 99},
    )
    assert response.status_code == 409
    db.session.refresh(person)
    assert person.leave_date == leave


def test_the_two_step_departure_works_with_csrf_protection(make_app, users):
    import re

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        person = factories.make_person()
        db.session.commit()
        number, version = person.employee_number, person.version
        client = app.test_client()

        def token(page):
            return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

        login_page = client.get("/login").get_data(as_text=True)
        client.post(
            "/login",
            data={
                "email": users["editor"].email,
                "password": "correct horse battery",
                "csrf_token": token(login_page),
            },
        )
        form = client.get(f"/people/{number}/departure").get_data(as_text=True)
        impact = client.post(
            f"/people/{number}/departure",
            data={"leave_date": "2031-01-01", "version": version, "csrf_token": token(form)},
        )
        page = impact.get_data(as_text=True)
        assert impact.status_code == 200 and 'name="confirm" type="hidden" value="1"' in page
        done = client.post(
            f"/people/{number}/departure",
            data={
                "leave_date": "2031-01-01",
                "version": version,
                "confirm": "1",
                "csrf_token": token(page),
            },
        )
        assert done.status_code == 302
        refused = client.post(
            f"/people/{number}/departure/withdraw", data={"version": version + 1}
        )  # no token
        assert refused.status_code == 400
        db.session.refresh(person)
        assert person.leave_date == date(2031, 1, 1)
