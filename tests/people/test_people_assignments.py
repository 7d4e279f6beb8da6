"""Assignments from the person page and from the service page: new, edit, end, delete."""

import json
from datetime import date

import pytest

from registry.core.extensions import db
from registry.people.models.holdings import Assignment
from tests import factories
from tests.support import events


def test_form_from_the_service_page_preselects_the_service(client_as):
    service = factories.make_service(code="zaken", name="Zaaksysteem")
    factories.make_service(code="oud", name="Oude dienst", status="retired")
    db.session.commit()
    page = client_as("editor").get("/people/assignments/new?service=zaken").get_data(as_text=True)
    assert f'<option selected value="{service.id}">' in page
    assert "Oude dienst" not in page  # only planned and active services
    assert '<datalist id="role-suggestions">' in page and 'value="contractmanager"' in page


def test_form_from_the_person_page_preselects_the_person(client_as):
    factories.make_person(employee_number="E-7")
    db.session.commit()
    page = client_as("editor").get("/people/assignments/new?person=E-7").get_data(as_text=True)
    assert 'id="person" list="people-suggestions"' in page and '(E-7)">' in page
    assert '(E-7)"></option>' in page  # the people suggestions: "Name (number)"


def test_editor_assigns_a_person_to_a_service(client_as):
    person = factories.make_person(employee_number="E-7")
    service = factories.make_service(code="zaken")
    db.session.commit()
    response = client_as("editor").post(
        "/people/assignments/new?service=zaken&next=/services/zaken",
        data={
            "person": "E-7",
            "service": service.id,
            "role": "functioneel beheerder",
            "start_on": "2025-01-01",
            "end_on": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/services/zaken"
    assignment = db.session.query(Assignment).one()
    assert (assignment.person_id, assignment.service_id, assignment.role, assignment.start_on) == (
        person.id,
        service.id,
        "functioneel beheerder",
        date(2025, 1, 1),
    )
    assert json.loads(events("assignment", "create")[-1].after)["role"] == "functioneel beheerder"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"person": "UNKNOWN"}, "person"),
        ({"person": ""}, "person"),
        ({"service": ""}, "service"),
        ({"start_on": "2025-02-01", "end_on": "2025-01-01"}, "end_on"),
        ({"start_on": "not a date"}, "start_on"),
    ],
)
def test_invalid_assignments_are_refused_on_the_field(client_as, data, field):
    factories.make_person(employee_number="E-7")
    service = factories.make_service()
    db.session.commit()
    form = {"person": "E-7", "service": service.id, "role": "", "start_on": "", "end_on": ""}
    form.update(data)
    response = client_as("editor").post("/people/assignments/new", data=form)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.query(Assignment).count() == 0


def test_second_assignment_to_the_same_service_is_a_field_error(client_as):
    person = factories.make_person(employee_number="E-7")
    service = factories.make_service()
    factories.make_assignment(person=person, service=service)
    db.session.commit()
    response = client_as("editor").post(
        "/people/assignments/new", data={"person": "E-7", "service": service.id}
    )
    assert 'id="service-error"' in response.get_data(as_text=True)
    assert db.session.query(Assignment).count() == 1


def test_assignment_to_a_retired_service_is_refused(client_as):
    factories.make_person(employee_number="E-7")
    service = factories.make_service(status="retired")
    db.session.commit()
    response = client_as("editor").post(
        "/people/assignments/new", data={"person": "E-7", "service": service.id}
    )
    assert 'id="service-error"' in response.get_data(as_text=True)
    assert db.session.query(Assignment).count() == 0


def test_editing_an_assignment_and_a_lost_update(client_as):
    assignment = factories.make_assignment(role="back-up")
    db.session.commit()
    opened = assignment.version
    client = client_as("editor")
    response = client.post(
        f"/people/assignments/{assignment.id}/edit",
        data={"role": "contractmanager", "version": opened},
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.role == "contractmanager"
    assert json.loads(events("assignment", "update")[-1].after) == {"role": "contractmanager"}

    stale = client.post(
        f"/people/assignments/{assignment.id}/edit",
        data={"role": "informatiemanager", "version": opened},
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert 'value="contractmanager"' in page and 'data-typed="informatiemanager"' in page
    db.session.refresh(assignment)
    assert assignment.role == "contractmanager"


def test_ending_an_assignment_keeps_it_with_an_end_date(client_as):
    assignment = factories.make_assignment(start_on=date(2024, 1, 1))
    db.session.commit()
    client = client_as("editor")
    assert client.get(f"/people/assignments/{assignment.id}/end").status_code == 200
    early = client.post(
        f"/people/assignments/{assignment.id}/end",
        data={"end_on": "2023-12-31", "version": assignment.version},
    )
    assert 'id="end_on-error"' in early.get_data(as_text=True)
    response = client.post(
        f"/people/assignments/{assignment.id}/end",
        data={"end_on": "2025-07-01", "version": assignment.version},
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.end_on == date(2025, 7, 1)
    assert json.loads(events("assignment", "update")[-1].after) == {"end_on": "2025-07-01"}


def test_deleting_an_assignment_asks_first_and_is_audited(client_as):
    assignment = factories.make_assignment(role="back-up")
    db.session.commit()
    assignment_id = assignment.id
    client = client_as("editor")
    assert client.get(f"/people/assignments/{assignment_id}/delete").status_code == 200
    assert db.session.get(Assignment, assignment_id) is not None
    stale = client.post(f"/people/assignments/{assignment_id}/delete", data={"version": 99})
    assert stale.status_code == 409
    assert db.session.get(Assignment, assignment_id) is not None
    response = client.post(
        f"/people/assignments/{assignment_id}/delete", data={"version": assignment.version}
    )
    assert response.status_code == 302
    assert db.session.get(Assignment, assignment_id) is None
    assert json.loads(events("assignment", "delete")[-1].before)["role"] == "back-up"


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_assignment_routes_refuse_other_roles(client_as, role):
    assignment = factories.make_assignment(role="back-up")
    person = factories.make_person(employee_number="E-8")
    db.session.commit()
    client = client_as(role)
    base = f"/people/assignments/{assignment.id}"
    for method, path, data in [
        ("get", "/people/assignments/new", {}),
        ("post", "/people/assignments/new", {"person": "E-8", "service": assignment.service_id}),
        ("post", f"{base}/edit", {"role": "x", "version": assignment.version}),
        ("post", f"{base}/end", {"end_on": "2025-01-01", "version": assignment.version}),
        ("post", f"{base}/delete", {"version": assignment.version}),
    ]:
        assert getattr(client, method)(path, data=data).status_code == 403, path
    db.session.refresh(assignment)
    assert (assignment.role, assignment.end_on) == ("back-up", None)
    assert db.session.query(Assignment).filter_by(person_id=person.id).count() == 0
