"""People are chosen by name: a person field accepts a name, part of a name or an employee
number; one match is taken, several give a choice next to the field, none a message. The
search seeks in an index on both databases (no scan of the people table)."""

import re

from sqlalchemy import event, text

from registry.accounts.models.users import User
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from registry.people import services as people
from registry.people.models.holdings import Assignment, Holding
from tests import factories


def _mitigation_form(owner: str, **extra) -> dict:
    return {
        "kind": "training",
        "owner_id": owner,
        "due_on": "2026-03-01",
        "status": "open",
        "risk_expires_on": "",
        "note": "",
        **extra,
    }


def _requirement():
    service = factories.make_service(code="zaak", name="Zaak")
    requirement = factories.make_requirement(service=service)
    db.session.commit()
    return f"/services/zaak/requirements/{requirement.id}/mitigations/new"


def test_jansen_is_accepted_as_mitigation_owner(client_as):
    henk = factories.make_person(name="Henk Jansen", employee_number="P04")
    factories.make_person(name="Anna de Vries", employee_number="P05")
    url = _requirement()
    response = client_as("manager").post(url, data=_mitigation_form("Jansen"))
    assert response.status_code == 302
    assert db.session.query(Mitigation).one().owner_id == henk.id


def test_part_of_a_name_or_a_number_finds_the_person(app):
    henk = factories.make_person(name="Henk Jansen", employee_number="P04")
    factories.make_person(name="Anna de Vries", employee_number="X17")
    db.session.commit()
    for typed in ("jan", "Henk J", "hen jans", "P04", "p0", "Henk Jansen (P04)"):
        assert people.resolve_person(typed).person == henk, typed
    assert people.resolve_person("Pieters").person is None


def test_several_matches_show_a_choice_and_the_choice_is_saved(client_as):
    factories.make_person(name="Henk Jansen", employee_number="P04")
    marie = factories.make_person(name="Marie Jansen", employee_number="P09")
    url = _requirement()
    client = client_as("manager")
    response = client.post(url, data=_mitigation_form("Jansen"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.query(Mitigation).count() == 0
    assert "Jansen" in page and 'name="owner_id-choice"' in page
    choices = re.findall(r'name="owner_id-choice" value="(\d+)"', page)
    assert len(choices) == 2
    assert "Marie Jansen (P09)" in page
    response = client.post(url, data=_mitigation_form("Jansen", **{"owner_id-choice": marie.id}))
    assert response.status_code == 302
    assert db.session.query(Mitigation).one().owner_id == marie.id


def test_nobody_found_is_a_clear_message_and_nothing_is_written(client_as):
    factories.make_person(name="Henk Jansen", employee_number="P04")
    url = _requirement()
    response = client_as("manager").post(url, data=_mitigation_form("Pietersen"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pietersen" in page and 'id="owner_id-error"' in page
    assert db.session.query(Mitigation).count() == 0


def test_forms_show_the_name_and_number_of_the_owner(client_as):
    henk = factories.make_person(name="Henk Jansen", employee_number="P04")
    factories.make_service(code="zaak", name="Zaak", owner=henk)
    db.session.commit()
    page = client_as("editor").get("/services/zaak/edit").get_data(as_text=True)
    assert re.search(r'id="owner_id"[^>]*value="Henk Jansen \(P04\)"', page)


def test_service_owner_assignment_assessment_and_account_take_a_name(client_as, users):
    henk = factories.make_person(name="Henk Jansen", employee_number="P04")
    service = factories.make_service(code="zaak", name="Zaak")
    competence = factories.make_competence(code="CM-01")
    db.session.commit()
    editor = client_as("editor")
    form = {"code": "zaak", "name": "Zaak", "owner_id": "henk", "criticality": "medium"}
    response = editor.post(
        "/services/zaak/edit", data={**form, "status": "active", "version": service.version}
    )
    assert response.status_code == 302
    assert db.session.get(Service, service.id).owner_id == henk.id
    response = editor.post(
        "/people/assignments/new", data={"person": "Jansen", "service": service.id}
    )
    assert response.status_code == 302
    assert db.session.query(Assignment).one().person_id == henk.id
    response = editor.post(
        "/people/holdings/new",
        data={"person": "jansen", "competence": competence.id, "level": "3"},
    )
    assert response.status_code == 302
    assert db.session.query(Holding).one().person_id == henk.id
    account = users["auditor"]
    response = client_as("admin").post(
        f"/users/{account.id}",
        data={"name": "", "role": "auditor", "person": "Jansen", "org_unit_id": "", "version": 1},
    )
    assert response.status_code == 302
    assert db.session.get(User, account.id).person_id == henk.id


def test_what_if_takes_a_name(client_as):
    henk = factories.make_person(name="Henk Jansen", employee_number="P04")
    db.session.commit()
    page = (
        client_as("manager").get("/reports/what-if?change_1-person=Jansen").get_data(as_text=True)
    )
    assert f'data-person="{henk.employee_number}"' in page


def test_the_search_follows_renames_and_deletes(app):
    person = factories.make_person(name="Henk Jansen", employee_number="P04")
    db.session.commit()
    person.name = "Henk Pietersen"
    db.session.commit()
    assert people.find_people("jansen") == []
    assert people.find_people("pieters") == [person]
    db.session.delete(person)
    db.session.commit()
    assert people.find_people("pieters") == []


def test_the_search_is_bounded(app):
    for n in range(30):
        factories.make_person(name=f"Jan Jansen {n}", employee_number=f"J{n:03d}")
    db.session.commit()
    assert len(people.find_people("jansen")) == people.MATCH_LIMIT
    assert len(people.resolve_person("jansen").matches) == people.MATCH_LIMIT


def test_the_search_seeks_in_an_index(app):
    """EXPLAIN: the word search reads the FTS5 index (SQLite) or the GIN index (PostgreSQL),
    never a scan of the people table."""
    factories.make_person(name="Henk Jansen", employee_number="P04")
    db.session.commit()
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        people.find_people("jans")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    statement, parameters = statements[-1]
    if engine.dialect.name == "sqlite":
        plan = " ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
        assert "VIRTUAL TABLE INDEX" in plan, plan
        assert not re.search(r"SCAN people(?!_search)", plan), plan  # people: by primary key
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(
            row[0]
            for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        )
        assert "ix_people_search" in plan, plan
        assert "Seq Scan on people" not in plan, plan
