"""Recording assessments (holdings) from the person page and from the competence page."""

import json
from datetime import date

import pytest

from registry.core.extensions import db
from registry.people.models.holdings import Holding
from tests import factories
from tests.support import events


def valid(competence_record, **overrides):
    data = {
        "person": "E-1",
        "competence": competence_record.id,
        "level": "3",
        "assessed_on": "2025-03-01",
        "assessed_by": "HR",
        "expires_on": "",
        "evidence": "Certificaat",
    }
    data.update(overrides)
    return data


def test_form_defaults_and_framework_labels(client_as, users):
    framework = factories.make_framework(label_3="Zelfstandig", label_4="Expert e-CF")
    competence = factories.make_competence(code="CM", framework=framework)
    factories.make_competence(code="OLD", name="Retired one", retired=True)
    db.session.commit()
    page = (
        client_as("editor")
        .get("/people/holdings/new?competence=CM&person=E-1")
        .get_data(as_text=True)
    )
    assert f'<option selected value="{competence.id}">' in page
    assert "Zelfstandig" in page and "Expert e-CF" in page
    assert "Retired one" not in page
    assert f'value="{date.today().isoformat()}"' in page  # assessed_on defaults to today
    assert f'value="{users["editor"].name}"' in page  # assessed_by defaults to the user


def test_editor_records_an_assessment(client_as):
    person = factories.make_person(employee_number="E-1")
    competence = factories.make_competence()
    db.session.commit()
    response = client_as("editor").post("/people/holdings/new", data=valid(competence))
    assert response.status_code == 302
    assert response.headers["Location"] == "/people/E-1"
    holding = db.session.query(Holding).one()
    assert (holding.person_id, holding.level, holding.assessed_on, holding.evidence) == (
        person.id,
        3,
        date(2025, 3, 1),
        "Certificaat",
    )
    assert json.loads(events("holding", "create")[-1].after)["level"] == 3


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"person": "NOBODY"}, "person"),
        ({"competence": ""}, "competence"),
        ({"level": ""}, "level"),
        ({"level": "7"}, "level"),
        ({"expires_on": "2025-02-01"}, "expires_on"),
        ({"assessed_on": "yesterday"}, "assessed_on"),
    ],
)
def test_invalid_assessments_are_refused_on_the_field(client_as, overrides, field):
    factories.make_person(employee_number="E-1")
    competence = factories.make_competence()
    db.session.commit()
    response = client_as("editor").post("/people/holdings/new", data=valid(competence, **overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.query(Holding).count() == 0


def test_retired_competence_cannot_be_assessed(client_as):
    factories.make_person(employee_number="E-1")
    competence = factories.make_competence(retired=True)
    db.session.commit()
    response = client_as("editor").post("/people/holdings/new", data=valid(competence))
    assert 'id="competence-error"' in response.get_data(as_text=True)
    assert db.session.query(Holding).count() == 0


def test_an_existing_assessment_is_edited_instead(client_as):
    person = factories.make_person(employee_number="E-1")
    competence = factories.make_competence(code="CM")
    holding = factories.make_holding(person=person, competence=competence, level=2)
    db.session.commit()
    client = client_as("editor")
    opened = client.get("/people/holdings/new?person=E-1&competence=CM")
    assert opened.status_code == 302
    assert opened.headers["Location"].startswith(f"/people/holdings/{holding.id}/edit")

    response = client.post("/people/holdings/new", data=valid(competence, level="4"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-existing="{holding.id}"' in page
    assert f'action="/people/holdings/{holding.id}/edit' in page
    assert '<option selected value="4">' in page  # what was typed is kept
    db.session.refresh(holding)
    assert holding.level == 2 and db.session.query(Holding).count() == 1


def test_editing_an_assessment_and_a_lost_update(client_as):
    holding = factories.make_holding(level=2)
    db.session.commit()
    opened = holding.version
    client = client_as("editor")
    response = client.post(
        f"/people/holdings/{holding.id}/edit",
        data={"level": "4", "assessed_on": "2025-05-01", "version": opened},
    )
    assert response.status_code == 302
    db.session.refresh(holding)
    assert (holding.level, holding.assessed_on) == (4, date(2025, 5, 1))
    event = events("holding", "update")[-1]
    assert json.loads(event.before)["level"] == 2 and json.loads(event.after)["level"] == 4

    stale = client.post(
        f"/people/holdings/{holding.id}/edit",
        data={"level": "1", "assessed_on": "2025-05-01", "evidence": "my notes", "version": opened},
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert '<option selected value="4">' in page and 'data-typed="my notes"' in page
    db.session.refresh(holding)
    assert holding.level == 4


def test_deleting_an_assessment_asks_first_and_is_audited(client_as):
    holding = factories.make_holding(level=2)
    db.session.commit()
    holding_id = holding.id
    client = client_as("editor")
    assert client.get(f"/people/holdings/{holding_id}/delete").status_code == 200
    assert db.session.get(Holding, holding_id) is not None
    response = client.post(
        f"/people/holdings/{holding_id}/delete", data={"version": holding.version}
    )
    assert response.status_code == 302
    assert db.session.get(Holding, holding_id) is None
    assert json.loads(events("holding", "delete")[-1].before)["level"] == 2


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_holding_routes_refuse_other_roles(client_as, role):
    holding = factories.make_holding(level=2)
    competence = factories.make_competence()
    factories.make_person(employee_number="E-1")
    db.session.commit()
    client = client_as(role)
    for method, path, data in [
        ("get", "/people/holdings/new", {}),
        ("post", "/people/holdings/new", valid(competence)),
        ("get", f"/people/holdings/{holding.id}/edit", {}),
        ("post", f"/people/holdings/{holding.id}/edit", {"level": "5", "version": holding.version}),
        ("post", f"/people/holdings/{holding.id}/delete", {"version": holding.version}),
    ]:
        assert getattr(client, method)(path, data=data).status_code == 403, path
    db.session.refresh(holding)
    assert holding.level == 2
    assert db.session.query(Holding).count() == 1
