"""Frameworks and competences in two languages (issue 12): the English interface shows the
English name where there is one and marks the Dutch texts it shows with lang="nl"; the Dutch
interface shows the Dutch names unmarked; the forms and the API read and write the English
fields; search finds either name."""

import csv
import io
import json
from datetime import date, timedelta

import pytest

from registry.audit.models.audit import AuditEvent
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.core.provenance import strip_preamble
from registry.digests import services as digests
from registry.mitigations.models import Mitigation
from tests import factories

PAGES = (
    "/competences/",
    "/competences/CM",
    "/services/zaak",
    "/reports/",
    "/reports/gaps",
    "/reports/matrix",
    "/mitigations/",
    "/services/zaak/requirements/new",
    "/people/holdings/new",
)


@pytest.fixture
def catalogue(app):
    """A framework and competence with English names, a competence without, one service that
    requires both (nobody assigned: two gaps) and a mitigation."""
    framework = factories.make_framework(
        key="eigen", name="Eigen raamwerk", name_en="Own framework", label_3="Zelfstandig"
    )
    cm = factories.make_competence(
        code="CM",
        name="Contractmanagement",
        name_en="Contract management",
        description="Sturen op afspraken",
        description_en="Steering by agreements",
        framework=framework,
        area="Regie",
    )
    archive = factories.make_competence(code="AR", name="Archiefbeheer", framework=framework)
    service = factories.make_service(code="zaak", name="Zaaksysteem", description="Zaakgericht")
    requirement = factories.make_requirement(service, cm, rationale="Wettelijk verplicht")
    factories.make_requirement(service, archive)
    db.session.add(Mitigation(requirement_id=requirement.id, kind="training", status="open"))
    db.session.commit()


def in_english(client):
    client.post("/language", data={"lang": "en"})
    return client


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_the_english_interface_shows_english_names(client_as, catalogue, url):
    page = text(in_english(client_as("editor")), url)
    assert "Contract management" in page
    assert "Contractmanagement" not in page
    assert 'lang="nl">Contract' not in page


@pytest.mark.parametrize("url", PAGES)
def test_the_dutch_interface_shows_dutch_names_unmarked(client_as, catalogue, url):
    page = text(client_as("editor"), url)
    assert "Contractmanagement" in page
    assert "Contract management" not in page
    assert "<span lang=" not in page and '<option lang="' not in page


@pytest.mark.parametrize("lang, shown, hidden", [("en", "Own", "Eigen"), ("nl", "Eigen", "Own")])
def test_frameworks_are_listed_in_the_users_language(client_as, catalogue, lang, shown, hidden):
    client = client_as("editor")
    client.post("/language", data={"lang": lang})
    page = text(client, "/competences/frameworks/")
    assert f">{shown} " in page and f">{hidden} " not in page


@pytest.mark.parametrize(
    "url", ["/competences/", "/competences/AR", "/services/zaak", "/reports/gaps"]
)
def test_without_an_english_name_the_dutch_one_is_shown_marked_dutch(client_as, catalogue, url):
    page = text(in_english(client_as("manager")), url)
    assert '<span lang="nl">Archiefbeheer</span>' in page


def test_other_dutch_texts_on_english_pages_are_marked(client_as, catalogue):
    client = in_english(client_as("manager"))
    service = text(client, "/services/zaak")
    assert '<h1 class="utrecht-heading-1"><span lang="nl">Zaaksysteem</span></h1>' in service
    assert '<span lang="nl">Zaakgericht</span>' in service
    assert '<span lang="nl">Wettelijk verplicht</span>' in service
    competence = text(client, "/competences/CM")
    assert "Steering by agreements" in competence and "Sturen op afspraken" not in competence
    assert '<span lang="nl">Regie</span>' in competence
    assert "Own framework" in competence
    frameworks = text(client, "/competences/frameworks/")
    assert '<span lang="nl">Zelfstandig</span>' in frameworks
    # a select option in another language than the page carries its language too
    gaps = text(client, "/reports/gaps")
    assert '<option lang="nl" value="zaak">Zaaksysteem</option>' in gaps
    assert '<option value="eigen">Own framework</option>' in gaps


def test_the_gap_export_names_competences_in_the_users_language(client_as, catalogue):
    def rows(client):
        data = client.get("/reports/gaps.csv").data.decode("utf-8-sig")
        return {row[4]: row for row in csv.reader(io.StringIO(strip_preamble(data)))}

    english = rows(in_english(client_as("manager")))
    assert english["CM"][5:7] == ["Contract management", "Own framework"]
    assert english["AR"][5:7] == ["Archiefbeheer", "Own framework"]
    dutch = rows(client_as("manager"))
    assert dutch["CM"][5:7] == ["Contractmanagement", "Eigen raamwerk"]


def test_search_finds_a_competence_by_either_name(client_as, catalogue):
    client = client_as("auditor")
    for q in ("contract manag", "contractmanag", "own framework"):
        page = text(client, f"/competences/?q={q}")
        assert 'data-competence="CM"' in page, q
    page = text(client, "/competences/frameworks/?q=own")
    assert "Eigen raamwerk" in page


@pytest.fixture
def staffed(catalogue, users):
    """Anna holds CM, works on zaak, owns it and its mitigation and leaves in a month; the
    manager's account is hers."""
    cm = db.session.query(Competence).filter_by(code="CM").one()
    service = db.session.query(Service).filter_by(code="zaak").one()
    anna = factories.make_person(
        employee_number="P1", name="Anna", leave_date=date.today() + timedelta(days=30)
    )
    factories.make_assignment(anna, service)
    factories.make_holding(anna, cm, level=5, expires_on=date.today() + timedelta(days=20))
    service.owner_id = anna.id
    db.session.query(Mitigation).one().owner_id = anna.id
    users["manager"].person_id = anna.id
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/people/P1",
        "/reports/skills?service=zaak",
        "/reports/what-if?change_1-person=P1",
        "/my-work/",
        "/reports/",
    ],
)
def test_staff_pages_show_english_names(client_as, staffed, url):
    page = text(in_english(client_as("manager")), url)
    assert "Contract management" in page and "Contractmanagement" not in page
    assert text(client_as("manager"), url).count("Contractmanagement") >= 1


def test_an_attestation_page_shows_english_names(client_as, staffed):
    auditor = client_as("auditor")
    form = {"as_of": date.today().isoformat(), "horizon": "90", "statement": "Ik verklaar dit."}
    made = auditor.post("/attestations/new", data=form)
    assert made.status_code == 302
    page = text(in_english(auditor), made.headers["Location"])
    assert "Contract management" in page and "Contractmanagement" not in page
    assert '<span lang="nl">Archiefbeheer</span>' in page


# --- editing --------------------------------------------------------------------------------


def test_the_competence_form_writes_and_shows_the_english_fields(client_as):
    editor = client_as("editor")
    form = text(editor, "/competences/new")
    assert 'id="name_en" lang="en"' in form and 'id="description_en" lang="en"' in form
    assert "Shown instead of the Dutch name to users who chose English" in in_english(
        client_as("editor")
    ).get("/competences/new").get_data(as_text=True)
    response = editor.post(
        "/competences/new",
        data={
            "code": "CM",
            "name": "Contractmanagement",
            "name_en": " Contract management ",
            "framework_id": "",
            "description": "Sturen",
            "description_en": "Steering",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    competence = db.session.query(Competence).filter_by(code="CM").one()
    assert (competence.name_en, competence.description_en) == ("Contract management", "Steering")
    created = db.session.query(AuditEvent).filter_by(entity="competence", action="create").one()
    assert json.loads(created.after)["name_en"] == "Contract management"
    edit = text(editor, "/competences/CM/edit")
    assert 'value="Contract management"' in edit
    version = str(competence.version)
    response = editor.post(
        "/competences/CM/edit",
        data={"code": "CM", "name": "Contractmanagement", "name_en": "", "version": version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.query(Competence).filter_by(code="CM").one().name_en is None
    updated = db.session.query(AuditEvent).filter_by(entity="competence", action="update").one()
    assert json.loads(updated.before)["name_en"] == "Contract management"
    assert json.loads(updated.after) == {
        "name_en": None,
        "description": None,
        "description_en": None,
    }


def test_the_framework_form_writes_the_english_fields_and_checks_their_length(client_as):
    editor = client_as("editor")
    data = {"key": "eigen", "name": "Eigen raamwerk", "name_en": "x" * 201}
    refused = editor.post("/competences/frameworks/new", data=data)
    assert refused.status_code == 200 and 'id="name_en-error"' in refused.get_data(as_text=True)
    data.update(name_en="Own framework", description_en="Ours")
    assert editor.post("/competences/frameworks/new", data=data).status_code == 302
    framework = db.session.query(Framework).filter_by(key="eigen").one()
    assert (framework.name_en, framework.description_en) == ("Own framework", "Ours")
    event = db.session.query(AuditEvent).filter_by(entity="framework", action="create").one()
    assert json.loads(event.after)["name_en"] == "Own framework"


# --- mail -----------------------------------------------------------------------------------


def test_an_english_digest_names_competences_in_english(app, catalogue):
    owner = factories.make_person(employee_number="P1", name="Olga", email="olga@example.org")
    service = db.session.query(Service).filter_by(code="zaak").one()
    service.owner = owner
    db.session.commit()
    (digest,) = digests.build(date.today())
    digest.recipient.language = "en"
    digests.render(digest)
    assert "Contract management" in digest.text and "Contractmanagement" not in digest.text
    assert "— Archiefbeheer:" in digest.text
    assert '<span lang="nl">Archiefbeheer</span>' in digest.html
    assert '<span lang="nl">Zaaksysteem</span>' in digest.html
    digest.recipient.language = "nl"
    digests.render(digest)
    assert "Contractmanagement" in digest.text and "<span lang=" not in digest.html
