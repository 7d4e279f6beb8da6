"""The org-unit tree: list, add, rename or move (paths follow), delete only when unused."""

import json

import pytest

from registry.core.extensions import db
from registry.people.models.staff import OrgUnit
from tests import factories
from tests.support import events


def unit(name, parent=None):
    path = name if parent is None else f"{parent.path} / {name}"
    return factories.make_org_unit(name=name, path=path, parent=parent)


def test_tree_lists_units_with_employed_people(client_as):
    top = unit("Directie A")
    dept = unit("Afdeling B", top)
    factories.make_person(org_unit=dept)
    db.session.commit()
    page = client_as("auditor").get("/people/org-units").get_data(as_text=True)
    assert 'data-org-unit="Directie A"' in page
    assert 'data-org-unit="Directie A / Afdeling B"' in page
    assert f"/people/org-units/{dept.id}/edit" not in page  # no edit links for auditors


def test_editor_adds_a_sub_unit(client_as):
    top = unit("Directie A")
    db.session.commit()
    client = client_as("editor")
    page = client.get(f"/people/org-units/new?parent={top.id}").get_data(as_text=True)
    assert f'<option selected value="{top.id}">' in page
    response = client.post("/people/org-units/new", data={"name": "Team C", "parent_id": top.id})
    assert response.status_code == 302
    created = db.session.query(OrgUnit).filter_by(name="Team C").one()
    assert created.path == "Directie A / Team C"
    assert json.loads(events("org_unit", "create")[-1].after)["path"] == "Directie A / Team C"


@pytest.mark.parametrize("name", ["", "Directie A", "Werk / Inkomen"])
def test_invalid_or_duplicate_names_are_field_errors(client_as, name):
    unit("Directie A")
    db.session.commit()
    response = client_as("editor").post(
        "/people/org-units/new", data={"name": name, "parent_id": ""}
    )
    assert response.status_code == 200
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert db.session.query(OrgUnit).count() == 1


def test_renaming_a_unit_renames_its_sub_units(client_as):
    top = unit("Directie A")
    dept = unit("Afdeling B", top)
    team = unit("Team C", dept)
    db.session.commit()
    response = client_as("editor").post(
        f"/people/org-units/{top.id}/edit",
        data={"name": "Directie Z", "parent_id": "", "version": top.version},
    )
    assert response.status_code == 302
    db.session.refresh(dept)
    db.session.refresh(team)
    assert (dept.path, team.path) == ("Directie Z / Afdeling B", "Directie Z / Afdeling B / Team C")
    changed = {e.entity_id: json.loads(e.after)["path"] for e in events("org_unit", "update")}
    assert changed[str(team.id)] == "Directie Z / Afdeling B / Team C"


def test_a_unit_cannot_move_under_its_own_sub_unit(client_as):
    top = unit("Directie A")
    dept = unit("Afdeling B", top)
    db.session.commit()
    client = client_as("editor")
    page = client.get(f"/people/org-units/{top.id}/edit").get_data(as_text=True)
    assert f'value="{dept.id}"' not in page  # not offered
    response = client.post(
        f"/people/org-units/{top.id}/edit",
        data={"name": "Directie A", "parent_id": dept.id, "version": top.version},
    )
    assert response.status_code == 200
    assert 'id="parent_id-error"' in response.get_data(as_text=True)
    db.session.refresh(top)
    assert top.parent_id is None


def test_lost_update_on_a_unit_is_answered_409(client_as):
    top = unit("Directie A")
    db.session.commit()
    opened = top.version
    top.name = top.path = "Directie B"
    db.session.commit()
    response = client_as("editor").post(
        f"/people/org-units/{top.id}/edit",
        data={"name": "Directie C", "parent_id": "", "version": opened},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="Directie B"' in page and 'data-typed="Directie C"' in page
    db.session.refresh(top)
    assert top.name == "Directie B"


def test_delete_only_when_unused(client_as):
    top = unit("Directie A")
    dept = unit("Afdeling B", top)
    db.session.commit()
    client = client_as("editor")
    assert 'data-blocked="true"' in client.get(f"/people/org-units/{top.id}/delete").get_data(
        as_text=True
    )
    client.post(f"/people/org-units/{top.id}/delete", data={"version": top.version})
    assert db.session.get(OrgUnit, top.id) is not None
    dept_id = dept.id
    response = client.post(f"/people/org-units/{dept_id}/delete", data={"version": dept.version})
    assert response.status_code == 302
    assert db.session.get(OrgUnit, dept_id) is None
    assert json.loads(events("org_unit", "delete")[-1].before)["path"] == "Directie A / Afdeling B"


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_org_unit_changes_refuse_other_roles(client_as, role):
    top = unit("Directie A")
    db.session.commit()
    client = client_as(role)
    assert client.get("/people/org-units/new").status_code == 403
    assert client.post("/people/org-units/new", data={"name": "X"}).status_code == 403
    assert (
        client.post(
            f"/people/org-units/{top.id}/edit", data={"name": "Y", "version": top.version}
        ).status_code
        == 403
    )
    assert client.post(f"/people/org-units/{top.id}/delete").status_code == 403
    db.session.refresh(top)
    assert top.name == "Directie A" and db.session.query(OrgUnit).count() == 1
