"""Deleting a person or an org unit over the API: the version named by If-Match is the one
the service checks (204, and the record is gone)."""

from registry.core.extensions import db
from registry.people.models.staff import OrgUnit, Person
from tests import factories


def test_an_administrator_deletes_a_person_with_if_match(app, api_as):
    person = factories.make_person(employee_number="P9", name="Piet")
    db.session.commit()
    answer = api_as("admin").delete(
        "/api/v1/people/P9", headers={"If-Match": f'"{person.version}"'}
    )
    assert answer.status_code == 204, answer.get_data(as_text=True)
    assert db.session.query(Person).filter_by(employee_number="P9").count() == 0


def test_an_editor_deletes_an_empty_org_unit_with_if_match(app, api_as):
    unit = OrgUnit(name="Team X", path="Team X")
    db.session.add(unit)
    db.session.commit()
    unit_id, version = unit.id, unit.version
    answer = api_as("editor").delete(
        f"/api/v1/org-units/{unit_id}", headers={"If-Match": f'"{version}"'}
    )
    assert answer.status_code == 204, answer.get_data(as_text=True)
    db.session.expunge_all()
    assert db.session.get(OrgUnit, unit_id) is None
