"""Planning and changing a mitigation in the browser (its form under
/services/<code>/requirements/<rid>/mitigations/), by role, with its errors, audit events and
lost updates (409), and the list of all mitigations with its filter."""

import json
import re
from datetime import date, timedelta

import pytest

from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from tests import factories
from tests.support import events


def version_in(page: str) -> str:
    """The version the form carries (its hidden field)."""
    return re.search(r'name="version" type="hidden" value="(\d*)"', page).group(1)


def error_on(page: str, field: str) -> bool:
    """Whether the form shows an error next to `field`."""
    return f'id="{field}-error"' in page


@pytest.fixture
def dossier():
    """A service `zaak` with one requirement."""
    service = factories.make_service(code="zaak", name="Zaak")
    requirement = factories.make_requirement(service=service)
    db.session.commit()
    return {"rid": requirement.id, "service": service, "requirement": requirement}


def mitigation_form(**overrides):
    data = {
        "kind": "training",
        "owner_id": "",
        "due_on": "2026-03-01",
        "status": "open",
        "risk_expires_on": "",
        "note": "Cursus contractmanagement",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["manager", "editor", "admin"])
def test_managers_editors_and_admins_plan_mitigations(client_as, dossier, role):
    owner = factories.make_person(name="Mila Manager")
    db.session.commit()
    url = f"/services/zaak/requirements/{dossier['rid']}/mitigations/new"
    client = client_as(role)
    assert client.get(url).status_code == 200
    response = client.post(url, data=mitigation_form(owner_id=owner.employee_number))
    assert response.status_code == 302
    mitigation = db.session.query(Mitigation).one()
    assert (mitigation.kind, mitigation.owner_id, mitigation.due_on) == (
        "training",
        owner.id,
        date(2026, 3, 1),
    )
    [event] = events("mitigation", "create")
    assert event.actor_role == role


def test_auditors_cannot_plan_mitigations(client_as, dossier):
    url = f"/services/zaak/requirements/{dossier['rid']}/mitigations/new"
    client = client_as("auditor")
    assert client.get(url).status_code == 403
    assert client.post(url, data=mitigation_form()).status_code == 403
    assert db.session.query(Mitigation).count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "accept_risk"}, "risk_expires_on"),
        ({"kind": "training", "risk_expires_on": "2027-01-01"}, "risk_expires_on"),
        ({"kind": "pray"}, "kind"),
        ({"status": "whenever"}, "status"),
        ({"due_on": "soon"}, "due_on"),
    ],
)
def test_mitigation_form_refuses_bad_input(client_as, dossier, overrides, field):
    url = f"/services/zaak/requirements/{dossier['rid']}/mitigations/new"
    response = client_as("manager").post(url, data=mitigation_form(**overrides))
    assert response.status_code == 200
    assert error_on(response.get_data(as_text=True), field)
    assert db.session.query(Mitigation).count() == 0


def test_an_accepted_risk_carries_its_expiry(client_as, dossier):
    url = f"/services/zaak/requirements/{dossier['rid']}/mitigations/new"
    expires = date.today() + timedelta(days=30)
    response = client_as("manager").post(
        url, data=mitigation_form(kind="accept_risk", risk_expires_on=expires.isoformat())
    )
    assert response.status_code == 302
    assert db.session.query(Mitigation).one().risk_expires_on == expires


def test_mitigation_list_filters_by_status(client_as, dossier):
    requirement = dossier["requirement"]
    open_one = Mitigation(requirement=requirement, kind="training", status="open")
    done_one = Mitigation(requirement=requirement, kind="hire", status="done")
    db.session.add_all([open_one, done_one])
    db.session.commit()
    client = client_as("auditor")
    page = client.get("/mitigations/").get_data(as_text=True)
    assert f'data-mitigation="{open_one.id}"' in page and f'data-mitigation="{done_one.id}"' in page
    page = client.get("/mitigations/?status=done").get_data(as_text=True)
    assert f'data-mitigation="{open_one.id}"' not in page
    assert f'data-mitigation="{done_one.id}"' in page
    assert "/edit" not in page.split("<tbody")[1]  # auditors get no edit links


def test_manager_updates_a_mitigation_and_a_stale_save_is_409(client_as, dossier):
    mitigation = Mitigation(requirement=dossier["requirement"], kind="training")
    db.session.add(mitigation)
    db.session.commit()
    url = f"/services/zaak/requirements/{dossier['rid']}/mitigations/{mitigation.id}/edit"
    client = client_as("manager")
    version = version_in(client.get(url).get_data(as_text=True))
    assert (
        client.post(url, data=mitigation_form(status="in_progress", version=version)).status_code
        == 302
    )
    db.session.refresh(mitigation)
    assert mitigation.status == "in_progress"
    assert json.loads(events("mitigation", "update")[0].after)["status"] == "in_progress"
    response = client.post(url, data=mitigation_form(status="cancelled", version=version))
    assert response.status_code == 409
    db.session.refresh(mitigation)
    assert mitigation.status == "in_progress"
