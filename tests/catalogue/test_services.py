"""Maintaining services, providers and requirements in the browser: lists with search, forms
with their errors, roles, retire/delete, audit events and lost updates (409). A requirement's
mitigations are planned and changed in tests/mitigations/test_mitigation_pages.py."""

import json
import re
from datetime import date

import pytest

from registry.audit.services import audit
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.catalogue.services import catalogue
from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from tests import factories
from tests.support import events, statements_for

LOGIN = "/login"


def version_in(page: str) -> str:
    """The version the form carries (its hidden field)."""
    return re.search(r'name="version" type="hidden" value="(\d*)"', page).group(1)


def error_on(page: str, field: str) -> bool:
    """Whether the form shows an error next to `field`."""
    return f'id="{field}-error"' in page


def someone_else():
    return audit.Actor.system("test", "colleague@example.org")


def service_form(**overrides) -> dict:
    data = {
        "code": "zaaksysteem",
        "name": "Zaaksysteem",
        "provider_id": "",
        "owner_id": "",
        "criticality": "high",
        "status": "active",
        "contract_start": "2024-01-01",
        "contract_end": "2027-12-31",
        "description": "Zaakgericht werken",
    }
    data.update(overrides)
    return data


@pytest.fixture
def english(client_as):
    """client_as, switched to English (so we can read the messages)."""

    def _client(role):
        c = client_as(role)
        c.post("/language", data={"lang": "en"})
        return c

    return _client


# --- list -----------------------------------------------------------------------------------


def test_service_list_searches_code_name_and_provider(client_as):
    dimpact = factories.make_provider(name="Dimpact")
    factories.make_service(code="zaaksysteem", name="Zaaksysteem", provider=dimpact)
    factories.make_service(code="salaris", name="Salarisadministratie")
    factories.make_service(code="hosting", name="Hosting", status="retired")
    db.session.commit()
    client = client_as("auditor")
    page = client.get("/services/").get_data(as_text=True)
    assert all(f'data-service="{c}"' in page for c in ("zaaksysteem", "salaris", "hosting"))
    page = client.get("/services/?q=dimp").get_data(as_text=True)
    assert 'data-service="zaaksysteem"' in page and 'data-service="salaris"' not in page
    page = client.get("/services/?q=SALARIS").get_data(as_text=True)
    assert 'data-service="salaris"' in page and 'data-service="zaaksysteem"' not in page
    page = client.get("/services/?status=retired").get_data(as_text=True)
    assert 'data-service="hosting"' in page and 'data-service="salaris"' not in page


def test_service_search_takes_wildcards_literally(client_as):
    factories.make_service(code="a-b", name="Plain")
    db.session.commit()
    page = client_as("auditor").get("/services/?q=%25").get_data(as_text=True)
    assert 'data-service="a-b"' not in page


def test_service_list_is_paginated(client_as):
    for n in range(30):
        factories.make_service(code=f"svc-{n:02d}", name=f"Service {n:02d}")
    db.session.commit()
    client = client_as("manager")
    first = client.get("/services/").get_data(as_text=True)
    second = client.get("/services/?page=2").get_data(as_text=True)
    assert first.count("data-service=") == 25 and second.count("data-service=") == 5
    assert 'data-service="svc-00"' in first and 'data-service="svc-29"' in second
    assert 'rel="next"' in first


def add_rows(n):
    """n services, each with a provider, an owner and a requirement with a mitigation."""
    for _ in range(n):
        service = factories.make_service(
            provider=factories.make_provider(), owner=factories.make_person()
        )
        requirement = factories.make_requirement(service=service)
        db.session.add(
            Mitigation(requirement=requirement, kind="training", owner=factories.make_person())
        )
    db.session.commit()


@pytest.mark.parametrize("url", ["/services/", "/mitigations/", "/services/providers/"])
def test_list_queries_do_not_grow_with_rows(client_as, url):
    client = client_as("editor")
    add_rows(2)
    few = statements_for(client, url)
    add_rows(8)
    assert statements_for(client, url) == few


# --- create ---------------------------------------------------------------------------------


def test_editor_adds_a_service_and_the_audit_log_has_it(client_as):
    owner = factories.make_person(name="Anna de Vries", employee_number="E100")
    provider = factories.make_provider(name="Dimpact")
    db.session.commit()
    client = client_as("editor")
    response = client.post(
        "/services/new",
        data=service_form(owner_id=owner.employee_number, provider_id=str(provider.id)),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/services/zaaksysteem"
    service = db.session.query(Service).filter_by(code="zaaksysteem").one()
    assert (service.owner_id, service.provider_id, service.criticality) == (
        owner.id,
        provider.id,
        "high",
    )
    assert service.contract_end == date(2027, 12, 31)
    [event] = events("service", "create")
    assert event.entity_id == str(service.id)
    assert json.loads(event.after)["code"] == "zaaksysteem"
    assert event.actor_role == "editor"


def test_new_service_form_offers_employed_people_by_name_with_number(client_as):
    factories.make_person(name="Bert Bakker", employee_number="E2")
    factories.make_person(name="Anna Aalders", employee_number="E1")
    factories.make_person(name="Carla Corten", employee_number="E3", leave_date=date(2020, 6, 1))
    db.session.commit()
    page = client_as("editor").get("/services/new").get_data(as_text=True)
    assert page.index('<option value="Anna Aalders (E1)">') < page.index(
        '<option value="Bert Bakker (E2)">'
    )
    assert "Carla Corten" not in page  # she has left
    assert 'type="date"' in page
    assert 'href="/services/providers/new?next=' in page  # add a provider from here


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "Zaak Systeem"}, "code"),
        ({"code": "zaak_systeem"}, "code"),
        ({"code": "new"}, "code"),
        ({"code": ""}, "code"),
        ({"name": ""}, "name"),
        ({"criticality": "urgent"}, "criticality"),
        ({"status": "gone"}, "status"),
        ({"contract_start": "2026-01-01", "contract_end": "2025-12-31"}, "contract_end"),
        ({"contract_end": "31-12-2027"}, "contract_end"),
        ({"owner_id": "NOBODY-999"}, "owner_id"),
        ({"provider_id": "999999"}, "provider_id"),
    ],
)
def test_service_form_refuses_bad_input_next_to_the_field(english, overrides, field):
    response = english("editor").post("/services/new", data=service_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_on(page, field), page
    assert db.session.query(Service).count() == 0
    assert events("service") == []


def test_slug_message_explains_the_format(english):
    page = (
        english("editor")
        .post("/services/new", data=service_form(code="Zaak Systeem"))
        .get_data(as_text=True)
    )
    assert "lowercase letters, digits and hyphens" in page


def test_all_field_errors_are_shown_at_once(client_as):
    page = (
        client_as("editor")
        .post(
            "/services/new",
            data=service_form(
                code="Bad Code", name="", contract_start="2026-01-01", contract_end="2025-01-01"
            ),
        )
        .get_data(as_text=True)
    )
    assert all(error_on(page, f) for f in ("code", "name", "contract_end"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"code": "mitigations"}, "code"),
        ({"contract_start": date(2026, 1, 1), "contract_end": date(2025, 1, 1)}, "contract_end"),
        ({"criticality": "urgent"}, "criticality"),
    ],
)
def test_the_service_layer_checks_input_itself(app, fields, field):
    data = {"code": "ok", "name": "OK", "criticality": "low", "status": "active", **fields}
    with pytest.raises(catalogue.ServiceError) as refused:
        catalogue.create_service(someone_else(), **data)
    assert refused.value.field == field


def test_duplicate_code_is_a_field_error(english):
    factories.make_service(code="zaaksysteem")
    db.session.commit()
    page = english("editor").post("/services/new", data=service_form()).get_data(as_text=True)
    assert error_on(page, "code")
    assert "Another service already has the code zaaksysteem." in page
    assert db.session.query(Service).count() == 1


# --- edit -----------------------------------------------------------------------------------


def test_edit_changes_the_code_and_audits_before_and_after(client_as):
    service = factories.make_service(code="zaak", name="Zaak", criticality="low")
    db.session.commit()
    client = client_as("editor")
    form = client.get("/services/zaak/edit").get_data(as_text=True)
    assert 'value="zaak"' in form
    response = client.post(
        "/services/zaak/edit",
        data=service_form(
            code="zaak-2", name="Zaak", criticality="critical", version=version_in(form)
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/services/zaak-2"
    db.session.refresh(service)
    assert (service.code, service.criticality, service.version) == ("zaak-2", "critical", 2)
    [event] = events("service", "update")
    before, after = json.loads(event.before), json.loads(event.after)
    assert before["code"] == "zaak" and after["code"] == "zaak-2"
    assert before["criticality"] == "low" and after["criticality"] == "critical"


def test_edit_to_a_code_in_use_is_refused(english):
    factories.make_service(code="zaak")
    service = factories.make_service(code="hosting")
    db.session.commit()
    page = (
        english("editor")
        .post("/services/hosting/edit", data=service_form(code="zaak", version="1"))
        .get_data(as_text=True)
    )
    assert error_on(page, "code")
    db.session.refresh(service)
    assert service.code == "hosting"


def test_edit_keeps_an_owner_who_has_left(client_as):
    left = factories.make_person(
        name="Oud Eigenaar", employee_number="E-OUD", leave_date=date(2021, 1, 1)
    )
    factories.make_service(code="zaak", owner=left)
    db.session.commit()
    client = client_as("editor")
    page = client.get("/services/zaak/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="owner_id"[^>]*value="[^"]*\(E-OUD\)"', page)
    assert 'value="E-OUD"' not in page.split('<datalist id="people-suggestions">')[1]


def test_owner_is_typed_as_an_employee_number_with_suggestions(client_as):
    factories.make_person(name="Anna de Vries", employee_number="E100")
    factories.make_person(name="Gone", employee_number="E-GONE", leave_date=date(2020, 1, 1))
    db.session.commit()
    page = client_as("editor").get("/services/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="owner_id"[^>]*list="people-suggestions"', page) or re.search(
        r'<input[^>]*list="people-suggestions"[^>]*id="owner_id"', page
    )
    suggestions = page.split('<datalist id="people-suggestions">')[1].split("</datalist>")[0]
    assert '<option value="Anna de Vries (E100)"></option>' in suggestions
    assert "E-GONE" not in suggestions


def test_lost_update_answers_409_and_overwrites_nothing(english):
    service = factories.make_service(code="zaak", name="Zaak", criticality="low")
    db.session.commit()
    client = english("editor")
    stale = version_in(client.get("/services/zaak/edit").get_data(as_text=True))
    # A colleague saves first.
    catalogue.update_service(
        someone_else(),
        service,
        stale,
        code="zaak",
        name="Zaak (colleague)",
        criticality="medium",
        status="active",
    )
    db.session.commit()
    response = client.post(
        "/services/zaak/edit",
        data=service_form(code="zaak", name="Zaak (mine)", criticality="critical", version=stale),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    db.session.refresh(service)
    assert (service.name, service.criticality) == ("Zaak (colleague)", "medium")
    assert 'data-conflict="true"' in page
    assert 'value="Zaak (colleague)"' in page  # the form shows the current values …
    assert version_in(page) == "2"  # … and the current version
    assert "Zaak (mine)" in page  # what the user typed is not lost
    # Saving again from the refreshed form works.
    response = client.post(
        "/services/zaak/edit", data=service_form(code="zaak", name="Zaak (mine)", version="2")
    )
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.name == "Zaak (mine)"


def test_edit_without_version_is_a_conflict(client_as):
    service = factories.make_service(code="zaak", name="Zaak")
    db.session.commit()
    response = client_as("editor").post(
        "/services/zaak/edit", data=service_form(code="zaak", name="Other")
    )
    assert response.status_code == 409
    db.session.refresh(service)
    assert service.name == "Zaak"


# --- roles ----------------------------------------------------------------------------------


EDIT_ROUTES = [
    "/services/new",
    "/services/zaak/edit",
    "/services/zaak/retire",
    "/services/zaak/delete",
    "/services/zaak/requirements/new",
    "/services/zaak/requirements/{rid}/edit",
    "/services/zaak/requirements/{rid}/delete",
    "/services/providers/new",
    "/services/providers/{pid}/edit",
    "/services/providers/{pid}/delete",
]


@pytest.fixture
def dossier():
    provider = factories.make_provider(name="Dimpact")
    service = factories.make_service(code="zaak", name="Zaak", provider=provider)
    requirement = factories.make_requirement(service=service)
    db.session.commit()
    return {
        "pid": provider.id,
        "rid": requirement.id,
        "service": service,
        "requirement": requirement,
        "provider": provider,
    }


@pytest.mark.parametrize("role", ["manager", "auditor"])
@pytest.mark.parametrize("route", EDIT_ROUTES)
def test_roles_without_edit_rights_are_refused(client_as, dossier, role, route):
    url = route.format(rid=dossier["rid"], pid=dossier["pid"])
    client = client_as(role)
    assert client.get(url).status_code == 403
    data = service_form(code="zaak", name="Changed", version="1")
    data.update(
        name="Changed", competence_id="", required_level="1", min_holders="5", kind="supplier"
    )
    assert client.post(url, data=data).status_code == 403
    db.session.expire_all()
    assert db.session.get(Service, dossier["service"].id).name == "Zaak"
    assert db.session.get(Provider, dossier["pid"]).name == "Dimpact"
    assert db.session.get(Requirement, dossier["rid"]).min_holders == 2
    assert events("service") == [] and events("provider") == []
    assert events("route", "refused")  # the refusal itself is audited


@pytest.mark.parametrize(
    "route", EDIT_ROUTES + ["/services/", "/mitigations/", "/services/providers/"]
)
def test_anonymous_visitors_are_sent_to_login(client, dossier, route):
    url = route.format(rid=dossier["rid"], pid=dossier["pid"])
    for response in (client.get(url), client.post(url, data={"name": "x"})):
        assert response.status_code == 302
        assert response.headers["Location"].startswith(LOGIN)
    assert db.session.get(Service, dossier["service"].id).name == "Zaak"


@pytest.mark.parametrize("route", ["/services/zaak/delete", "/services/providers/{pid}/delete"])
def test_editors_cannot_delete_for_good(client_as, dossier, route):
    url = route.format(pid=dossier["pid"])
    client = client_as("editor")
    assert client.get(url).status_code == 403
    assert client.post(url, data={"version": "1"}).status_code == 403
    assert db.session.query(Service).count() == 1


# --- retire and delete ----------------------------------------------------------------------


def test_retire_keeps_the_service_with_status_retired(client_as, dossier):
    client = client_as("editor")
    page = client.get("/services/zaak/retire").get_data(as_text=True)
    response = client.post("/services/zaak/retire", data={"version": version_in(page)})
    assert response.status_code == 302
    service = db.session.get(Service, dossier["service"].id)
    assert service.status == "retired"
    assert db.session.query(Requirement).count() == 1
    [event] = events("service", "retire")
    assert json.loads(event.before) == {"status": "active"}
    assert json.loads(event.after) == {"status": "retired"}


def test_retire_with_a_stale_version_is_409(client_as, dossier):
    response = client_as("editor").post("/services/zaak/retire", data={"version": "0"})
    assert response.status_code == 409
    assert db.session.get(Service, dossier["service"].id).status == "active"


def test_a_referenced_service_is_not_deleted_but_retire_is_offered(client_as, dossier):
    client = client_as("admin")
    page = client.get("/services/zaak/delete").get_data(as_text=True)
    assert 'data-referenced="true"' in page
    assert 'href="/services/zaak/retire"' in page
    assert "Delete permanently" not in page and "Definitief verwijderen" not in page
    response = client.post("/services/zaak/delete", data={"version": "1"})
    assert response.status_code == 200
    assert db.session.query(Service).count() == 1
    assert events("service", "delete") == []


def test_admin_deletes_an_unused_service_after_confirming(client_as):
    service = factories.make_service(code="typo", name="Typo")
    db.session.commit()
    service_id = service.id
    client = client_as("admin")
    page = client.get("/services/typo/delete").get_data(as_text=True)
    assert 'data-referenced="true"' not in page
    assert db.session.query(Service).count() == 1  # GET changes nothing
    response = client.post("/services/typo/delete", data={"version": version_in(page)})
    assert response.status_code == 302
    assert db.session.query(Service).count() == 0
    [event] = events("service", "delete")
    assert event.entity_id == str(service_id)
    assert json.loads(event.before)["code"] == "typo"
    assert event.actor_role == "admin"


def test_delete_with_a_stale_version_is_409(client_as):
    service = factories.make_service(code="typo", name="Typo")
    db.session.commit()
    catalogue.update_service(
        someone_else(), service, "1", code="typo", name="Typo 2", criticality="low", status="active"
    )
    db.session.commit()
    response = client_as("admin").post("/services/typo/delete", data={"version": "1"})
    assert response.status_code == 409
    assert 'data-conflict="true"' in response.get_data(as_text=True)
    assert db.session.query(Service).count() == 1


# --- requirements ---------------------------------------------------------------------------


def requirement_form(competence, **overrides):
    data = {
        "competence_id": str(competence.id),
        "required_level": "4",
        "min_holders": "2",
        "rationale": "Contract negotiations",
    }
    data.update(overrides)
    return data


def test_editor_adds_a_requirement_from_the_service(client_as):
    service = factories.make_service(code="zaak")
    competence = factories.make_competence(code="CM-01", name="Contractmanagement")
    db.session.commit()
    client = client_as("editor")
    form = client.get("/services/zaak/requirements/new").get_data(as_text=True)
    assert 'name="min_holders"' in form and 'value="2"' in form  # default two holders
    assert "CM-01 Contractmanagement" in form
    response = client.post("/services/zaak/requirements/new", data=requirement_form(competence))
    assert response.status_code == 302
    assert response.headers["Location"] == "/services/zaak"
    requirement = db.session.query(Requirement).one()
    assert (requirement.service_id, requirement.required_level, requirement.min_holders) == (
        service.id,
        4,
        2,
    )
    [event] = events("requirement", "create")
    assert json.loads(event.after)["competence_id"] == competence.id


def test_requirement_competences_exclude_retired_and_are_grouped_by_framework(client_as):
    factories.make_service(code="zaak")
    framework = factories.make_framework(name="e-CF 4.0")
    factories.make_competence(code="A-4", name="Productplanning", framework=framework)
    factories.make_competence(code="OLD", name="Verouderd", retired=True)
    db.session.commit()
    page = client_as("editor").get("/services/zaak/requirements/new").get_data(as_text=True)
    assert '<optgroup label="e-CF 4.0">' in page and "A-4 Productplanning" in page
    assert "Verouderd" not in page


def test_a_retired_competence_cannot_be_required_anew(english):
    factories.make_service(code="zaak")
    retired = factories.make_competence(code="OLD", retired=True)
    db.session.commit()
    page = (
        english("editor")
        .post("/services/zaak/requirements/new", data=requirement_form(retired))
        .get_data(as_text=True)
    )
    assert error_on(page, "competence_id")
    assert db.session.query(Requirement).count() == 0


def test_level_names_come_from_the_competences_framework(client_as):
    framework = factories.make_framework(label_4="Expert (e-CF niveau 4)")
    service = factories.make_service(code="zaak")
    competence = factories.make_competence(framework=framework)
    requirement = factories.make_requirement(service=service, competence=competence)
    db.session.commit()
    client = client_as("editor")
    page = client.get(f"/services/zaak/requirements/{requirement.id}/edit").get_data(as_text=True)
    assert '<option value="4">4 expert — Expert (e-CF niveau 4)</option>' in page
    page = client.get(f"/services/zaak/requirements/new?competence={competence.code}").get_data(
        as_text=True
    )
    assert "— Expert (e-CF niveau 4)" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"competence_id": ""}, "competence_id"),
        ({"competence_id": "999999"}, "competence_id"),
        ({"required_level": "0"}, "required_level"),
        ({"required_level": "6"}, "required_level"),
        ({"min_holders": "0"}, "min_holders"),
        ({"min_holders": ""}, "min_holders"),
        ({"min_holders": "two"}, "min_holders"),
    ],
)
def test_requirement_form_refuses_bad_input(client_as, overrides, field):
    factories.make_service(code="zaak")
    competence = factories.make_competence()
    db.session.commit()
    response = client_as("editor").post(
        "/services/zaak/requirements/new", data=requirement_form(competence, **overrides)
    )
    assert response.status_code == 200
    assert error_on(response.get_data(as_text=True), field)
    assert db.session.query(Requirement).count() == 0


def test_a_requirement_is_unique_per_service(english):
    service = factories.make_service(code="zaak")
    competence = factories.make_competence(code="CM-01")
    factories.make_requirement(service=service, competence=competence)
    db.session.commit()
    page = (
        english("editor")
        .post("/services/zaak/requirements/new", data=requirement_form(competence))
        .get_data(as_text=True)
    )
    assert error_on(page, "competence_id")
    assert "zaak already requires CM-01" in page
    assert db.session.query(Requirement).count() == 1


def test_editing_a_requirement_audits_the_change(client_as, dossier):
    requirement = dossier["requirement"]
    url = f"/services/zaak/requirements/{requirement.id}/edit"
    client = client_as("editor")
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data=requirement_form(requirement.competence, min_holders="3", version=version_in(page)),
    )
    assert response.status_code == 302
    db.session.refresh(requirement)
    assert requirement.min_holders == 3
    [event] = events("requirement", "update")
    assert json.loads(event.before)["min_holders"] == 2
    assert json.loads(event.after)["min_holders"] == 3


def test_requirement_lost_update_is_409(client_as, dossier):
    requirement = dossier["requirement"]
    url = f"/services/zaak/requirements/{requirement.id}/edit"
    client = client_as("editor")
    stale = version_in(client.get(url).get_data(as_text=True))
    catalogue.update_requirement(
        someone_else(),
        requirement,
        stale,
        competence_id=requirement.competence_id,
        required_level=5,
        min_holders=4,
        rationale=None,
    )
    db.session.commit()
    response = client.post(
        url, data=requirement_form(requirement.competence, min_holders="1", version=stale)
    )
    assert response.status_code == 409
    db.session.refresh(requirement)
    assert (requirement.required_level, requirement.min_holders) == (5, 4)
    page = response.get_data(as_text=True)
    assert version_in(page) == "2" and 'value="4"' in page


def test_removing_a_requirement_removes_its_mitigations_with_audit(client_as, dossier):
    requirement = dossier["requirement"]
    db.session.add(Mitigation(requirement=requirement, kind="training"))
    db.session.commit()
    url = f"/services/zaak/requirements/{requirement.id}/delete"
    client = client_as("editor")
    page = client.get(url).get_data(as_text=True)
    assert 'data-mitigations="1"' in page
    response = client.post(url, data={"version": version_in(page)})
    assert response.status_code == 302
    assert db.session.query(Requirement).count() == 0
    assert db.session.query(Mitigation).count() == 0
    assert len(events("mitigation", "delete")) == 1
    [event] = events("requirement", "delete")
    assert json.loads(event.before)["service_id"] == dossier["service"].id


def test_a_requirement_of_another_service_is_not_found(client_as, dossier):
    factories.make_service(code="other")
    db.session.commit()
    url = f"/services/other/requirements/{dossier['rid']}/edit"
    assert client_as("editor").get(url).status_code == 404


# --- providers ------------------------------------------------------------------------------


def test_editor_adds_a_provider_and_returns_to_the_service_form(client_as):
    client = client_as("editor")
    response = client.post(
        "/services/providers/new?next=/services/new",
        data={"name": "GovUnited", "kind": "cooperative"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/services/new"
    provider = db.session.query(Provider).one()
    assert provider.kind == "cooperative"
    assert json.loads(events("provider", "create")[0].after)["name"] == "GovUnited"
    assert "GovUnited" in client.get("/services/new").get_data(as_text=True)


def test_provider_next_never_leaves_the_site(client_as):
    response = client_as("editor").post(
        "/services/providers/new?next=https://evil.example", data={"name": "X"}
    )
    assert response.headers["Location"] == "/services/providers/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": ""}, "name"),
        ({"name": "dimpact", "kind": ""}, "name"),  # names are unique regardless of case
        ({"name": "Nieuw", "kind": "friend"}, "kind"),
    ],
)
def test_provider_form_refuses_bad_input(client_as, data, field):
    factories.make_provider(name="Dimpact")
    db.session.commit()
    response = client_as("editor").post("/services/providers/new", data=data)
    assert response.status_code == 200
    assert error_on(response.get_data(as_text=True), field)
    assert db.session.query(Provider).count() == 1


def test_provider_list_counts_services_and_searches(client_as, dossier):
    factories.make_provider(name="Centric")
    db.session.commit()
    client = client_as("editor")
    page = client.get("/services/providers/").get_data(as_text=True)
    assert f'data-provider="{dossier["pid"]}"' in page and 'data-services="1"' in page
    page = client.get("/services/providers/?q=centr").get_data(as_text=True)
    assert f'data-provider="{dossier["pid"]}"' not in page


def test_provider_edit_and_lost_update(client_as, dossier):
    provider = dossier["provider"]
    url = f"/services/providers/{provider.id}/edit"
    client = client_as("editor")
    version = version_in(client.get(url).get_data(as_text=True))
    assert (
        client.post(
            url, data={"name": "Dimpact coöperatie", "kind": "cooperative", "version": version}
        ).status_code
        == 302
    )
    response = client.post(url, data={"name": "Overwritten", "kind": "", "version": version})
    assert response.status_code == 409
    db.session.refresh(provider)
    assert provider.name == "Dimpact coöperatie"
    assert "Overwritten" in response.get_data(as_text=True)


def test_a_provider_in_use_is_not_deleted(client_as, dossier):
    client = client_as("admin")
    url = f"/services/providers/{dossier['pid']}/delete"
    assert 'data-referenced="true"' in client.get(url).get_data(as_text=True)
    client.post(url, data={"version": "1"})
    assert db.session.query(Provider).count() == 1


def test_admin_deletes_an_unused_provider(client_as):
    provider = factories.make_provider(name="Tikfout BV")
    db.session.commit()
    response = client_as("admin").post(
        f"/services/providers/{provider.id}/delete", data={"version": "1"}
    )
    assert response.status_code == 302
    assert db.session.query(Provider).count() == 0
    assert json.loads(events("provider", "delete")[0].before)["name"] == "Tikfout BV"


# --- the dossier partials -------------------------------------------------------------------


def render_partial(app, user, template, **context):
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template(template, **context)


def test_service_actions_follow_the_role_table(app, users, dossier):
    service = dossier["service"]
    html = {
        role: render_partial(app, users[role], "services/_actions.html", service=service)
        for role in users
    }
    assert "/services/zaak/edit" in html["editor"] and "/services/zaak/delete" not in html["editor"]
    assert "/services/zaak/delete" in html["admin"]
    assert "/audit/" in html["auditor"] and "/services/zaak/edit" not in html["auditor"]
    assert "/audit/" not in html["editor"]
    assert "/services/zaak/edit" not in html["manager"]


def test_requirement_actions_follow_the_role_table(app, users, dossier):
    from types import SimpleNamespace

    row = SimpleNamespace(requirement_id=dossier["rid"], competence_name="Contract")
    html = {
        role: render_partial(
            app,
            users[role],
            "services/_requirement_actions.html",
            requirement_row=row,
            service=dossier["service"],
        )
        for role in users
    }
    mitigate = f"/services/zaak/requirements/{dossier['rid']}/mitigations/new"
    edit = f"/services/zaak/requirements/{dossier['rid']}/edit"
    assert mitigate in html["manager"] and edit not in html["manager"]
    assert mitigate in html["editor"] and edit in html["editor"]
    assert mitigate not in html["auditor"] and edit not in html["auditor"]


# --- CSRF -----------------------------------------------------------------------------------


def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused(make_app, users):
    from tests.support import PASSWORD

    def token(page):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": users["editor"].email,
            "password": PASSWORD,
            "csrf_token": token(login_page),
        },
    )
    form = client.get("/services/new").get_data(as_text=True)
    assert client.post("/services/new", data=service_form()).status_code == 400
    assert db.session.query(Service).count() == 0
    response = client.post("/services/new", data=service_form(csrf_token=token(form)))
    assert response.status_code == 302
    assert db.session.query(Service).count() == 1
