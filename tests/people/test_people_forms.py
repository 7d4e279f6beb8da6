"""People in the browser: the list, a new hire, editing details, lost updates, refused roles,
and the admin-only hard delete."""

import json
from datetime import date, timedelta

import pytest

from registry.core.extensions import db
from registry.people.models.staff import Person
from tests import factories
from tests.support import events


def person_data(**overrides):
    data = {
        "employee_number": "E-100",
        "name": "Fatima el Amrani",
        "email": "f.elamrani@gemeente.nl",
        "org_unit_id": "",
        "job_title": "Adviseur",
        "start_date": "2024-03-01",
    }
    data.update(overrides)
    return data


def test_people_list_searches_filters_and_shows_employment(client_as, app):
    unit = factories.make_org_unit(name="Directie Dienstverlening")
    team = factories.make_org_unit(
        name="Team KCC", path="Directie Dienstverlening / Team KCC", parent=unit
    )
    today = date.today()
    factories.make_person(name="Anna Jansen", employee_number="E1", org_unit=team)
    factories.make_person(
        name="Bram de Vries", employee_number="E2", leave_date=today + timedelta(days=30)
    )
    factories.make_person(
        name="Carla Smit", employee_number="E3", leave_date=today - timedelta(days=1)
    )
    db.session.commit()
    client = client_as("auditor")

    page = client.get("/people/").get_data(as_text=True)
    assert all(name in page for name in ("Anna Jansen", "Bram de Vries", "Carla Smit"))
    assert 'data-status="leaving"' in page and 'data-status="left"' in page

    def shown(**args):
        html = client.get("/people/", query_string=args).get_data(as_text=True)
        return {n for n in ("E1", "E2", "E3") if f'data-employee-number="{n}"' in html}

    assert shown(q="jans") == {"E1"}
    assert shown(q="e3") == {"E3"}
    assert shown(org_unit=unit.id) == {"E1"}  # sub-units are included
    assert shown(status="employed") == {"E1", "E2"}
    assert shown(status="leaving") == {"E2"}
    assert shown(status="left") == {"E3"}


def test_people_list_is_paginated(make_app, users):
    app = make_app(PAGE_SIZE=2)
    with app.app_context():
        for n in range(5):
            factories.make_person(name=f"Person {n}", employee_number=f"P{n}")
        db.session.commit()
        client = app.test_client()
        client.post(
            "/login", data={"email": users["manager"].email, "password": "correct horse battery"}
        )
        first = client.get("/people/").get_data(as_text=True)
        third = client.get("/people/?page=3").get_data(as_text=True)
        assert first.count("data-employee-number=") == 2
        assert third.count("data-employee-number=") == 1
        assert 'rel="next"' in first


def test_editor_adds_a_new_hire_with_an_audit_event(client_as):
    unit = factories.make_org_unit(name="Afdeling I&A")
    db.session.commit()
    client = client_as("editor")
    response = client.post("/people/new", data=person_data(org_unit_id=str(unit.id)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/people/E-100")
    person = db.session.query(Person).filter_by(employee_number="E-100").one()
    assert (person.name, person.org_unit_id, person.start_date) == (
        "Fatima el Amrani",
        unit.id,
        date(2024, 3, 1),
    )
    event = events("person", "create")[-1]
    assert json.loads(event.after)["employee_number"] == "E-100"
    assert event.entity_id == str(person.id)


def test_org_unit_select_shows_full_paths(client_as):
    top = factories.make_org_unit(name="Directie A")
    factories.make_org_unit(name="Afdeling B", path="Directie A / Afdeling B", parent=top)
    db.session.commit()
    page = client_as("editor").get("/people/new").get_data(as_text=True)
    assert ">Directie A / Afdeling B</option>" in page


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"employee_number": ""}, "employee_number"),
        ({"name": ""}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"start_date": "31-02-2024"}, "start_date"),
    ],
)
def test_invalid_person_input_is_shown_on_the_field(client_as, overrides, field):
    response = client_as("editor").post("/people/new", data=person_data(**overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.query(Person).count() == 0


def test_duplicate_employee_number_is_a_field_error(client_as):
    factories.make_person(employee_number="E-100", name="Existing Person")
    db.session.commit()
    response = client_as("editor").post("/people/new", data=person_data())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="employee_number-error"' in page and "Existing Person" in page
    assert db.session.query(Person).count() == 1


def test_start_date_after_the_leave_date_is_refused_on_the_field(client_as):
    person = factories.make_person(start_date=date(2020, 1, 1), leave_date=date(2024, 1, 1))
    db.session.commit()
    client = client_as("editor")
    response = client.post(
        f"/people/{person.employee_number}/edit",
        data=person_data(
            employee_number=person.employee_number, start_date="2024-06-01", version=person.version
        ),
    )
    assert response.status_code == 200
    assert 'id="start_date-error"' in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.start_date == date(2020, 1, 1)


def test_editing_a_person_records_before_and_after(client_as):
    person = factories.make_person(name="Old Name", job_title="Adviseur")
    db.session.commit()
    client = client_as("editor")
    form = client.get(f"/people/{person.employee_number}/edit").get_data(as_text=True)
    assert (
        'value="Old Name"' in form
        and f'name="version" type="hidden" value="{person.version}"' in form
    )
    response = client.post(
        f"/people/{person.employee_number}/edit",
        data=person_data(
            employee_number=person.employee_number,
            name="New Name",
            job_title="Adviseur",
            email="",
            start_date="2020-01-01",
            version=person.version,
        ),
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.name == "New Name"
    event = events("person", "update")[-1]
    assert json.loads(event.before) == {"name": "Old Name"}
    assert json.loads(event.after) == {"name": "New Name"}


def test_lost_update_is_answered_409_with_current_values_and_typed_input(client_as):
    person = factories.make_person(name="Original")
    db.session.commit()
    opened_version = person.version
    person.name = "Changed By Colleague"  # someone else saves first
    db.session.commit()
    response = client_as("editor").post(
        f"/people/{person.employee_number}/edit",
        data=person_data(
            employee_number=person.employee_number, name="My Edit", version=opened_version
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="Changed By Colleague"' in page  # the form holds the stored values
    assert f'name="version" type="hidden" value="{opened_version + 1}"' in page
    assert 'data-typed="My Edit"' in page  # and what the user typed is not lost
    db.session.refresh(person)
    assert person.name == "Changed By Colleague"
    assert not events("person", "update")


@pytest.mark.parametrize("role", ["manager", "auditor"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/people/new"),
        ("post", "/people/new"),
        ("get", "/people/{n}/edit"),
        ("post", "/people/{n}/edit"),
        ("get", "/people/{n}/departure"),
        ("post", "/people/{n}/departure"),
        ("post", "/people/{n}/departure/withdraw"),
        ("get", "/people/{n}/delete"),
        ("post", "/people/{n}/delete"),
    ],
)
def test_roles_without_edit_rights_are_refused_and_nothing_changes(client_as, role, method, path):
    person = factories.make_person(name="Unchanged")
    db.session.commit()
    client = client_as(role)
    response = getattr(client, method)(
        path.format(n=person.employee_number),
        data=person_data(
            employee_number=person.employee_number,
            name="Changed",
            version=person.version,
            leave_date="2030-01-01",
            confirm="1",
        ),
    )
    assert response.status_code == 403
    db.session.refresh(person)
    assert (person.name, person.leave_date) == ("Unchanged", None)
    assert db.session.query(Person).count() == 1
    assert events("route", "refused")


def test_anonymous_visitor_is_sent_to_login(client):
    person = factories.make_person()
    db.session.commit()
    for path in ("/people/", "/people/new", f"/people/{person.employee_number}/edit"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    response = client.post("/people/new", data=person_data())
    assert response.status_code == 302
    assert db.session.query(Person).count() == 1


def test_hard_delete_is_for_admins_only(client_as):
    person = factories.make_person()
    db.session.commit()
    response = client_as("editor").post(f"/people/{person.employee_number}/delete")
    assert response.status_code == 403
    assert db.session.get(Person, person.id) is not None


def test_admin_deletes_an_unused_person_after_confirmation(client_as):
    person = factories.make_person(name="Duplicate Record")
    db.session.commit()
    number, person_id = person.employee_number, person.id
    client = client_as("admin")
    confirm = client.get(f"/people/{number}/delete")
    assert confirm.status_code == 200
    assert db.session.get(Person, person_id) is not None  # GET only asks
    response = client.post(f"/people/{number}/delete", data={"version": person.version})
    assert response.status_code == 302
    assert db.session.get(Person, person_id) is None
    event = events("person", "delete")[-1]
    assert json.loads(event.before)["name"] == "Duplicate Record"


def test_a_person_with_history_cannot_be_deleted_and_departure_is_offered(client_as):
    person = factories.make_person()
    factories.make_holding(person=person)
    db.session.commit()
    client = client_as("admin")
    page = client.get(f"/people/{person.employee_number}/delete").get_data(as_text=True)
    assert 'data-blocked="true"' in page
    assert f"/people/{person.employee_number}/departure" in page
    response = client.post(
        f"/people/{person.employee_number}/delete", data={"version": person.version}
    )
    assert response.status_code == 200
    assert db.session.get(Person, person.id) is not None
    assert not events("person", "delete")


def test_actions_partial_shows_what_the_role_may_do(app):
    from flask import render_template_string
    from flask_login import login_user

    person = factories.make_person()

    def actions(role):
        with app.test_request_context("/"):
            login_user(factories.make_user(role=role))
            return render_template_string('{% include "people/_actions.html" %}', person=person)

    editor, auditor, manager = actions("editor"), actions("auditor"), actions("manager")
    admin = actions("admin")
    assert f"/people/{person.employee_number}/departure" in editor
    assert f"/people/holdings/new?person={person.employee_number}" in editor
    assert f"/people/assignments/new?person={person.employee_number}" in editor
    assert "/delete" not in editor and "/delete" in admin
    assert "/departure" not in auditor and "entity=person" in auditor
    assert "entity=person" not in editor
    assert manager.strip() == ""


def test_search_takes_wildcards_literally(client_as):
    from tests import factories as f

    f.make_person(name="Anna 100% Jansen", employee_number="W1")
    f.make_person(name="Bert Bakker", employee_number="W2")
    page = client_as("editor").get("/people/?q=%25").get_data(as_text=True)
    assert "Anna 100% Jansen" in page
    assert "Bert Bakker" not in page
