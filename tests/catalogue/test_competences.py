"""Maintaining competence frameworks and competences in the browser: lists with search, forms
with their errors, roles, retire/delete, audit events and lost updates (409)."""

import json
import re

import pytest

from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.services import catalogue
from registry.core.extensions import db
from tests import factories
from tests.support import events, statements_for


def version_in(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d*)"', page).group(1)


def error_on(page: str, field: str) -> bool:
    return f'id="{field}-error"' in page


def competence_form(**overrides) -> dict:
    data = {
        "code": "CM-01",
        "name": "Contractmanagement",
        "framework_id": "",
        "area": "Contract",
        "description": "Sturen op afspraken",
    }
    data.update(overrides)
    return data


def framework_form(**overrides) -> dict:
    data = {
        "key": "e-cf-4",
        "name": "e-CF 4.0",
        "description": "",
        "label_1": "e-1",
        "label_2": "e-2",
        "label_3": "e-3",
        "label_4": "e-4",
        "label_5": "e-5",
    }
    data.update(overrides)
    return data


# --- competences: list ----------------------------------------------------------------------


def test_competence_list_searches_and_filters_retired(client_as):
    framework = factories.make_framework(name="Feeny-Willcocks")
    factories.make_competence(code="CM-01", name="Contractmanagement", area="Contract")
    factories.make_competence(code="IB-01", name="Informatiebeveiliging", framework=framework)
    factories.make_competence(code="OLD", name="Verouderd", retired=True)
    db.session.commit()
    client = client_as("auditor")
    page = client.get("/competences/").get_data(as_text=True)
    assert all(f'data-competence="{c}"' in page for c in ("CM-01", "IB-01", "OLD"))
    page = client.get("/competences/?q=feeny").get_data(as_text=True)
    assert 'data-competence="IB-01"' in page and 'data-competence="CM-01"' not in page
    page = client.get("/competences/?q=contract").get_data(as_text=True)
    assert 'data-competence="CM-01"' in page and 'data-competence="IB-01"' not in page
    page = client.get("/competences/?state=retired").get_data(as_text=True)
    assert 'data-competence="OLD"' in page and 'data-competence="CM-01"' not in page
    page = client.get("/competences/?state=in_use").get_data(as_text=True)
    assert 'data-competence="OLD"' not in page and 'data-competence="CM-01"' in page


def test_competence_list_is_paginated(client_as):
    for n in range(27):
        factories.make_competence(code=f"K{n:02d}")
    db.session.commit()
    client = client_as("manager")
    assert client.get("/competences/").get_data(as_text=True).count("data-competence=") == 25
    second = client.get("/competences/?page=2").get_data(as_text=True)
    assert second.count("data-competence=") == 2 and 'data-competence="K26"' in second


@pytest.mark.parametrize("url", ["/competences/", "/competences/frameworks/"])
def test_list_queries_do_not_grow_with_rows(client_as, url):

    def add(n):
        for _ in range(n):
            factories.make_competence(framework=factories.make_framework())
        db.session.commit()

    client = client_as("editor")
    add(2)
    few = statements_for(client, url)
    add(8)
    assert statements_for(client, url) == few


# --- competences: create and edit -----------------------------------------------------------


def test_editor_adds_a_competence_with_audit(client_as):
    framework = factories.make_framework(name="e-CF 4.0")
    db.session.commit()
    client = client_as("editor")
    assert "e-CF 4.0" in client.get("/competences/new").get_data(as_text=True)
    response = client.post("/competences/new", data=competence_form(framework_id=str(framework.id)))
    assert response.status_code == 302
    assert response.headers["Location"] == "/competences/CM-01"
    competence = db.session.query(Competence).one()
    assert (competence.framework_id, competence.area, competence.retired) == (
        framework.id,
        "Contract",
        False,
    )
    [event] = events("competence", "create")
    assert json.loads(event.after)["code"] == "CM-01"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "CM 01"}, "code"),
        ({"code": "CM/01"}, "code"),
        ({"code": "cm-01"}, "code"),  # taken, whatever the case
        ({"code": "frameworks"}, "code"),
        ({"name": ""}, "name"),
        ({"framework_id": "999999"}, "framework_id"),
        ({"area": "x" * 121}, "area"),
    ],
)
def test_competence_form_refuses_bad_input(client_as, overrides, field):
    factories.make_competence(code="CM-01")
    db.session.commit()
    data = competence_form(code="NEW-1")
    data.update(overrides)
    response = client_as("editor").post("/competences/new", data=data)
    assert response.status_code == 200
    assert error_on(response.get_data(as_text=True), field)
    assert db.session.query(Competence).count() == 1
    assert events("competence") == []


def test_editing_a_competence_audits_before_and_after(client_as):
    competence = factories.make_competence(code="CM-01", name="Contract")
    db.session.commit()
    client = client_as("editor")
    version = version_in(client.get("/competences/CM-01/edit").get_data(as_text=True))
    response = client.post(
        "/competences/CM-01/edit",
        data=competence_form(code="CM-02", name="Contractmanagement", version=version),
    )
    assert response.headers["Location"] == "/competences/CM-02"
    db.session.refresh(competence)
    assert competence.code == "CM-02"
    [event] = events("competence", "update")
    assert json.loads(event.before)["code"] == "CM-01"
    assert json.loads(event.after)["code"] == "CM-02"


def test_a_retired_competence_is_reinstated_by_editing(client_as):
    competence = factories.make_competence(code="OLD", retired=True)
    db.session.commit()
    client = client_as("editor")
    version = version_in(client.get("/competences/OLD/edit").get_data(as_text=True))
    client.post("/competences/OLD/edit", data=competence_form(code="OLD", version=version))
    db.session.refresh(competence)
    assert competence.retired is False
    assert json.loads(events("competence", "update")[0].after)["retired"] is False


def test_competence_lost_update_is_409(client_as):
    competence = factories.make_competence(code="CM-01", name="Contract")
    db.session.commit()
    client = client_as("editor")
    stale = version_in(client.get("/competences/CM-01/edit").get_data(as_text=True))
    catalogue.update_competence(
        audit.Actor.system("test"), competence, stale, code="CM-01", name="Contract (colleague)"
    )
    db.session.commit()
    response = client.post(
        "/competences/CM-01/edit", data=competence_form(name="Contract (mine)", version=stale)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    db.session.refresh(competence)
    assert competence.name == "Contract (colleague)"
    assert 'value="Contract (colleague)"' in page and version_in(page) == "2"
    assert "Contract (mine)" in page and 'data-conflict="true"' in page


# --- competences: retire and delete ---------------------------------------------------------


def test_retire_a_competence(client_as):
    competence = factories.make_competence(code="CM-01")
    factories.make_requirement(competence=competence)
    db.session.commit()
    client = client_as("editor")
    page = client.get("/competences/CM-01/retire").get_data(as_text=True)
    response = client.post("/competences/CM-01/retire", data={"version": version_in(page)})
    assert response.status_code == 302
    db.session.refresh(competence)
    assert competence.retired is True
    [event] = events("competence", "retire")
    assert json.loads(event.before) == {"retired": False}
    assert json.loads(event.after) == {"retired": True}


@pytest.mark.parametrize("reference", ["requirement", "holding"])
def test_a_referenced_competence_is_retired_not_deleted(client_as, reference):
    competence = factories.make_competence(code="CM-01")
    if reference == "requirement":
        factories.make_requirement(competence=competence)
    else:
        factories.make_holding(competence=competence)
    db.session.commit()
    client = client_as("admin")
    page = client.get("/competences/CM-01/delete").get_data(as_text=True)
    assert 'data-referenced="true"' in page
    assert 'href="/competences/CM-01/retire"' in page
    client.post("/competences/CM-01/delete", data={"version": "1"})
    assert db.session.query(Competence).count() == 1
    assert events("competence", "delete") == []


def test_admin_deletes_an_unused_competence(client_as):
    competence = factories.make_competence(code="TYPO")
    db.session.commit()
    competence_id = competence.id
    client = client_as("admin")
    page = client.get("/competences/TYPO/delete").get_data(as_text=True)
    response = client.post("/competences/TYPO/delete", data={"version": version_in(page)})
    assert response.status_code == 302
    assert db.session.query(Competence).count() == 0
    [event] = events("competence", "delete")
    assert event.entity_id == str(competence_id)
    assert json.loads(event.before)["code"] == "TYPO"


def test_deleting_with_a_stale_version_is_409(client_as):
    factories.make_competence(code="TYPO")
    db.session.commit()
    response = client_as("admin").post("/competences/TYPO/delete", data={"version": "7"})
    assert response.status_code == 409
    assert db.session.query(Competence).count() == 1


# --- frameworks -----------------------------------------------------------------------------


def test_editor_adds_a_framework_with_level_names(client_as):
    client = client_as("editor")
    response = client.post("/competences/frameworks/new", data=framework_form())
    assert response.status_code == 302
    framework = db.session.query(Framework).one()
    assert [framework.level_label(n) for n in range(1, 6)] == ["e-1", "e-2", "e-3", "e-4", "e-5"]
    assert json.loads(events("framework", "create")[0].after)["label_4"] == "e-4"
    page = client.get("/competences/frameworks/").get_data(as_text=True)
    assert 'data-framework="e-cf-4"' in page and "e-4" in page


def test_empty_level_names_fall_back_to_the_generic_ones(client_as):
    client = client_as("editor")
    client.post("/language", data={"lang": "en"})
    client.post("/competences/frameworks/new", data=framework_form(label_3=""))
    framework = db.session.query(Framework).one()
    assert framework.label_3 is None
    page = client.get("/competences/frameworks/").get_data(as_text=True)
    assert "e-2" in page and "3 competent" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key": ""}, "key"),
        ({"key": "e cf"}, "key"),
        ({"key": "BISL"}, "key"),  # taken, whatever the case
        ({"name": ""}, "name"),
        ({"name": "bisl"}, "name"),
        ({"label_2": "x" * 101}, "label_2"),
    ],
)
def test_framework_form_refuses_bad_input(client_as, overrides, field):
    factories.make_framework(key="bisl", name="BiSL")
    db.session.commit()
    response = client_as("editor").post(
        "/competences/frameworks/new", data=framework_form(**overrides)
    )
    assert response.status_code == 200
    assert error_on(response.get_data(as_text=True), field)
    assert db.session.query(Framework).count() == 1


def test_framework_edit_and_lost_update(client_as):
    framework = factories.make_framework(key="own", name="Eigen profiel")
    db.session.commit()
    url = f"/competences/frameworks/{framework.id}/edit"
    client = client_as("editor")
    version = version_in(client.get(url).get_data(as_text=True))
    assert (
        client.post(
            url,
            data=framework_form(
                key="own", name="Eigen profiel", label_5="Autoriteit", version=version
            ),
        ).status_code
        == 302
    )
    response = client.post(url, data=framework_form(key="own", name="Kwijt", version=version))
    assert response.status_code == 409
    db.session.refresh(framework)
    assert (framework.name, framework.label_5) == ("Eigen profiel", "Autoriteit")
    [event] = events("framework", "update")
    assert json.loads(event.after)["label_5"] == "Autoriteit"


def test_a_framework_with_competences_is_not_deleted(client_as):
    framework = factories.make_framework()
    factories.make_competence(framework=framework)
    db.session.commit()
    client = client_as("admin")
    url = f"/competences/frameworks/{framework.id}/delete"
    assert 'data-referenced="true"' in client.get(url).get_data(as_text=True)
    client.post(url, data={"version": "1"})
    assert db.session.query(Framework).count() == 1


def test_admin_deletes_an_unused_framework(client_as):
    framework = factories.make_framework(name="Leeg")
    db.session.commit()
    response = client_as("admin").post(
        f"/competences/frameworks/{framework.id}/delete", data={"version": "1"}
    )
    assert response.status_code == 302
    assert db.session.query(Framework).count() == 0
    assert json.loads(events("framework", "delete")[0].before)["name"] == "Leeg"


# --- roles ----------------------------------------------------------------------------------


EDIT_ROUTES = [
    "/competences/new",
    "/competences/CM-01/edit",
    "/competences/CM-01/retire",
    "/competences/CM-01/delete",
    "/competences/frameworks/new",
    "/competences/frameworks/{fid}/edit",
    "/competences/frameworks/{fid}/delete",
]


@pytest.fixture
def catalogue_records():
    framework = factories.make_framework(key="fw", name="Framework")
    competence = factories.make_competence(code="CM-01", name="Contract", framework=framework)
    db.session.commit()
    return framework, competence


@pytest.mark.parametrize("role", ["manager", "auditor"])
@pytest.mark.parametrize("route", EDIT_ROUTES)
def test_roles_without_edit_rights_are_refused(client_as, catalogue_records, role, route):
    framework, competence = catalogue_records
    url = route.format(fid=framework.id)
    client = client_as(role)
    assert client.get(url).status_code == 403
    data = {
        **competence_form(code="CM-01", name="Changed"),
        **framework_form(name="Changed"),
        "version": "1",
    }
    assert client.post(url, data=data).status_code == 403
    db.session.expire_all()
    assert db.session.get(Competence, competence.id).name == "Contract"
    assert db.session.get(Framework, framework.id).name == "Framework"
    assert events("competence") == [] and events("framework") == []


@pytest.mark.parametrize(
    "route", ["/competences/CM-01/delete", "/competences/frameworks/{fid}/delete"]
)
def test_editors_cannot_delete_for_good(client_as, catalogue_records, route):
    framework, _competence = catalogue_records
    url = route.format(fid=framework.id)
    client = client_as("editor")
    assert client.get(url).status_code == 403
    assert client.post(url, data={"version": "1"}).status_code == 403
    assert db.session.query(Competence).count() == 1


@pytest.mark.parametrize("route", EDIT_ROUTES + ["/competences/", "/competences/frameworks/"])
def test_anonymous_visitors_are_sent_to_login(client, catalogue_records, route):
    framework, competence = catalogue_records
    url = route.format(fid=framework.id)
    for response in (client.get(url), client.post(url, data={"name": "x"})):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert db.session.get(Competence, competence.id).name == "Contract"


def test_competence_actions_follow_the_role_table(app, users, catalogue_records):
    from flask import render_template
    from flask_login import login_user

    _framework, competence = catalogue_records
    html = {}
    for role, user in users.items():
        with app.test_request_context("/"):
            login_user(user)
            html[role] = render_template("competences/_actions.html", competence=competence)
    assert "/competences/CM-01/edit" in html["editor"]
    assert "/competences/CM-01/delete" not in html["editor"]
    assert "/competences/CM-01/delete" in html["admin"]
    assert "/competences/CM-01/edit" not in html["manager"] + html["auditor"]
    assert "/audit/" in html["auditor"] and "/audit/" not in html["editor"]
