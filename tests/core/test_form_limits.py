"""Holes found by the attack run (issue 10), closed on the forms and services: deletes check
the version, long texts have the import's limit, employee numbers have a pattern and reserved
words, and years before 1000 are refused at input — on the web and in the import alike."""

import pytest

from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.core.limits import MAX_TEXT_LENGTH
from registry.people.models.staff import OrgUnit, Person
from registry.transfer.rules import interchange as fmt
from tests import factories


def test_deleting_a_person_someone_changed_meanwhile_answers_409(client_as):
    person = factories.make_person(name="Dubbel Record")
    db.session.commit()
    seen, person_id = person.version, person.id
    person.job_title = "changed by someone else"
    db.session.commit()
    response = client_as("admin").post(
        f"/people/{person.employee_number}/delete", data={"version": seen}
    )
    assert response.status_code == 409
    assert db.session.get(Person, person_id) is not None


def test_deleting_an_org_unit_someone_changed_meanwhile_answers_409(client_as):
    unit = OrgUnit(name="Team A", path="Team A")
    db.session.add(unit)
    db.session.commit()
    seen, unit_id = unit.version, unit.id
    unit.name = unit.path = "Team B"
    db.session.commit()
    response = client_as("editor").post(
        f"/people/org-units/{unit_id}/delete", data={"version": seen}
    )
    assert response.status_code == 409
    assert db.session.get(OrgUnit, unit_id) is not None


def _service_form(**overrides):
    data = {"code": "zaak", "name": "Zaak", "criticality": "medium", "status": "active"}
    return {**data, **overrides}


def test_a_description_longer_than_the_import_accepts_is_refused(client_as):
    client = client_as("editor")
    response = client.post(
        "/services/new", data=_service_form(description="x" * (MAX_TEXT_LENGTH + 1))
    )
    assert response.status_code == 200
    assert 'id="description-error"' in response.get_data(as_text=True)
    assert db.session.query(Service).count() == 0
    response = client.post("/services/new", data=_service_form(description="x" * MAX_TEXT_LENGTH))
    assert response.status_code == 302


def test_the_import_has_the_same_limit_for_long_texts():
    ok = fmt.parse_file(
        fmt.SERVICES, f"code,name,description\nzaak,Zaak,{'x' * MAX_TEXT_LENGTH}\n".encode()
    )
    assert not ok.problems
    long = "x" * (MAX_TEXT_LENGTH + 1)
    refused = fmt.parse_file(fmt.SERVICES, f"code,name,description\nzaak,Zaak,{long}\n".encode())
    assert refused.problems  # the CSV reader's own limit; other readers check max_length


@pytest.mark.parametrize("number", ["new", "org-units", "a/b", "Holdings", "with space"])
def test_employee_numbers_that_cannot_be_page_addresses_are_refused(client_as, number):
    response = client_as("editor").post(
        "/people/new", data={"employee_number": number, "name": "Anna"}
    )
    assert response.status_code == 200
    assert 'id="employee_number-error"' in response.get_data(as_text=True)
    assert db.session.query(Person).count() == 0
    parsed = fmt.parse_file(fmt.PEOPLE, f"employee_number,name\n{number},Anna\n".encode())
    assert parsed.problems


def test_a_year_before_1000_is_refused_by_the_form_and_the_import(client_as):
    response = client_as("editor").post(
        "/people/new", data={"employee_number": "E1", "name": "Anna", "start_date": "0999-01-01"}
    )
    assert response.status_code == 200
    assert 'id="start_date-error"' in response.get_data(as_text=True)
    assert db.session.query(Person).count() == 0
    parsed = fmt.parse_file(fmt.PEOPLE, b"employee_number,name,start_date\nE1,Anna,0999-01-01\n")
    assert [p.message for p in parsed.problems] == [fmt.EARLY_DATE]
