"""The service dossier, the competence page and the person page, on the demo municipality of
test_reports (D = 2025-06-01, H = 90)."""

import pytest

from registry.core.extensions import db
from tests.data.registries import PERIOD, demo_registry
from tests.support import parse, statuses


@pytest.fixture
def demo(app):
    return demo_registry()


@pytest.fixture
def manager(client_as):
    c = client_as("manager")
    c.post("/language", data={"lang": "en"})
    return c


def names(cell) -> list[str]:
    return [a.text() for a in cell.find_all("a")]


# --- service dossier -------------------------------------------------------------------------


def test_service_dossier_shows_the_facts(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    assert page.find("h1").text() == "Zaaksysteem 0"
    facts = page.find("dl", id="facts").text()
    assert "Dimpact" in facts and "Anna Jansen 0" in facts and "critical" in facts
    assert page.find(id="contract-ending") is not None  # ends 2025-07-15, before E


def test_service_dossier_gives_status_and_people_per_requirement(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    table = page.find("table", id="requirements")
    assert statuses(table, "data_competence") == {
        "CM": "undercovered",
        "FB": "unassigned",
        "PRIV": "leaving",
        "SEC": "covered",
    }
    cm = table.find("tr", id="req-CM")
    assert names(cm.find(data_holders="now")) == ["Anna Jansen 0", "Bram de Vries 0"]
    assert names(cm.find(data_holders="later")) == ["Anna Jansen 0"]
    assert "(4)" in cm.find(data_holders="now").text()  # Anna's level


def test_service_dossier_suggests_successors_for_each_gap(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    table = page.find("table", id="requirements")
    fb = table.find("tr", id="req-FB").find(data_suggestions=True)
    assert [(li.get("data-suggestion"), li.find("a").text()) for li in fb.find_all("li")] == [
        ("candidate", "Carla Bakker 0")
    ]
    cm = table.find("tr", id="req-CM").find(data_suggestions=True)
    assert [(li.get("data-suggestion"), li.find("a").text()) for li in cm.find_all("li")] == [
        ("candidate", "Carla Bakker 0"),
        ("training", "Daan Visser 0"),
    ]
    assert table.find("tr", id="req-SEC").find(data_suggestions=True).find("li") is None

    other = parse(manager.get("/services/werkplek-0", query_string=PERIOD))
    cm = other.find("table", id="requirements").find("tr", id="req-CM")
    suggested = [
        (li.get("data-suggestion"), li.find("a").text())
        for li in cm.find(data_suggestions=True).find_all("li")
    ]
    # candidates first (highest level first), then who needs training
    assert suggested == [
        ("candidate", "Anna Jansen 0"),
        ("candidate", "Carla Bakker 0"),
        ("training", "Daan Visser 0"),
    ]


def test_service_dossier_lists_assigned_people_with_roles(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    rows = page.find("table", id="assignments").find_all("tr", data_person=True)
    assert [(r.find("a").text(), r.find_all("td")[0].text()) for r in rows] == [
        ("Anna Jansen 0", "contractmanager"),
        ("Bram de Vries 0", "back-up"),
    ]
    assert {r.get("data-active") for r in rows} == {"yes"}


def test_service_dossier_links_keep_the_period(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    link = (
        page.find("table", id="requirements")
        .find("tr", id="req-CM")
        .find(data_holders="now")
        .find("a")
    )
    assert link.get("href").startswith("/people/")
    assert "as_of=2025-06-01" in link.get("href")


def test_retired_service_is_shown_but_not_analysed(manager, demo):
    demo.services[1].status = "retired"
    db.session.commit()
    page = parse(manager.get("/services/werkplek-0", query_string=PERIOD))
    row = page.find("table", id="requirements").find("tr", id="req-CM")
    assert row.find(data_status=True) is None
    assert "Not analysed" in row.text()


@pytest.mark.parametrize("url", ["/services/nope", "/competences/nope", "/people/nope"])
def test_unknown_codes_are_404(manager, demo, url):
    assert manager.get(url).status_code == 404


# --- competence page -------------------------------------------------------------------------


def test_competence_page_shows_holders_and_where_they_are_needed(manager, demo):
    page = parse(manager.get("/competences/CM", query_string=PERIOD))
    holders = page.find("table", id="holders").find_all("tr", data_person=True)
    assert [(r.find("a").text(), r.get("data-level")) for r in holders] == [
        ("Anna Jansen 0", "4"),
        ("Bram de Vries 0", "3"),
        ("Carla Bakker 0", "3"),
        ("Daan Visser 0", "2"),
    ]
    by_name = {r.find("a").text(): r for r in holders}
    assert names(by_name["Anna Jansen 0"].find(data_needed=True)) == ["Zaaksysteem 0"]
    assert names(by_name["Carla Bakker 0"].find(data_needed=True)) == []
    daan = by_name["Daan Visser 0"]
    assert names(daan.find(data_needed=True)) == ["Werkplek 0"]
    assert "below the required level 3" in daan.find(data_needed=True).text()
    assert daan.find(data_stale=True) is not None
    assert by_name["Bram de Vries 0"].find(data_leaving=True) is not None


def test_competence_page_gives_the_status_per_service(manager, demo):
    page = parse(manager.get("/competences/CM", query_string=PERIOD))
    assert statuses(page.find("table", id="required-by"), "data_service") == {
        "werkplek-0": "unassigned",
        "zaaksysteem-0": "undercovered",
    }


# --- person page -----------------------------------------------------------------------------


def test_person_page_flags_a_key_person_and_the_impact_of_leaving(manager, demo):
    anna = demo.people["anna0"]
    page = parse(manager.get(f"/people/{anna.employee_number}", query_string=PERIOD))
    assert page.find(id="key-person").get("data-key-person") == "yes"
    impact = page.find("table", id="impact")
    assert set(statuses(impact)) == {"zaaksysteem-0/CM", "zaaksysteem-0/SEC"}
    assert [
        h.get("data-competence")
        for h in page.find("table", id="holdings").find_all("tr", data_competence=True)
    ] == ["CM", "SEC"]
    assert [
        r.get("data-service")
        for r in page.find("table", id="assignments").find_all("tr", data_service=True)
    ] == ["zaaksysteem-0"]
    assert {li.get("data-requirement") for li in page.find(id="qualifications").find_all("li")} == {
        "zaaksysteem-0/CM",
        "zaaksysteem-0/SEC",
    }
    links = [
        a.get("href")
        for a in page.find_all("a")
        if f"change_1-person={anna.employee_number}" in (a.get("href") or "")
    ]
    assert links and links[0].startswith("/reports/what-if?")


def test_person_page_for_someone_who_is_not_a_key_person(manager, demo):
    carla = demo.people["carla0"]
    page = parse(manager.get(f"/people/{carla.employee_number}", query_string=PERIOD))
    assert page.find(id="key-person").get("data-key-person") == "no"
    assert page.find("table", id="impact") is None
    assert page.find(id="qualifications") is None  # not assigned: counts for nothing


def test_person_page_shows_a_departure_and_stale_or_expiring_assessments(manager, demo):
    bram = demo.people["bram0"]
    page = parse(manager.get(f"/people/{bram.employee_number}", query_string=PERIOD))
    assert page.find(data_leaving=True) is not None
    daan = demo.people["daan0"]
    page = parse(manager.get(f"/people/{daan.employee_number}", query_string=PERIOD))
    holdings = {
        r.get("data-competence"): r
        for r in page.find("table", id="holdings").find_all("tr", data_competence=True)
    }
    assert holdings["CM"].find(data_stale=True) is not None
    assert holdings["SEC"].find(data_expiring=True) is not None


def test_someone_who_left_is_not_a_key_person(manager, demo):
    bram = demo.people["bram0"]
    page = parse(
        manager.get(f"/people/{bram.employee_number}", query_string={"as_of": "2025-07-02"})
    )
    assert page.find(id="key-person").get("data-key-person") == "no"


def test_service_dossier_lists_the_worst_requirements_first(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    order = [
        row.get("data-competence")
        for row in page.find("table", id="requirements").find_all("tr", data_competence=True)
    ]
    assert order == ["FB", "PRIV", "CM", "SEC"]


# --- at region scale: a busy service, a widely held competence --------------------------------


def test_a_busy_service_and_a_common_competence_stay_one_readable_page(make_app, users):
    """Fifteen qualified people: the requirement names the first twelve and counts the rest;
    assigned people and holders come a page at a time, and the next page has the rest."""
    from tests import factories
    from tests.support import login

    service = factories.make_service(code="busy")
    competence = factories.make_competence(code="COMMON")
    factories.make_requirement(service, competence, required_level=2, min_holders=1)
    for n in range(15):
        person = factories.make_person(name=f"Holder {n:02}")
        factories.make_assignment(person, service)
        factories.make_holding(person, competence, level=3)
    db.session.commit()
    client = make_app(PAGE_SIZE=10).test_client()
    login(client, users["manager"])
    client.post("/language", data={"lang": "en"})

    page = parse(client.get("/services/busy", query_string=PERIOD))
    now = page.find("table", id="requirements").find(data_holders="now")
    assert len(names(now)) == 12 and "and 3 more" in now.text()
    assigned = page.find("table", id="assignments").find_all("tr", data_person=True)
    assert len(assigned) == 10 and "1–10 of 15" in page.text()
    second = parse(client.get("/services/busy", query_string={**PERIOD, "page": 2}))
    assert len(second.find("table", id="assignments").find_all("tr", data_person=True)) == 5

    page = parse(client.get("/competences/COMMON", query_string=PERIOD))
    assert "1–10 of 15" in page.text()
    second = parse(client.get("/competences/COMMON", query_string={**PERIOD, "page": 2}))
    assert "11–15 of 15" in second.text()


def test_remembered_dossier_lists_follow_every_write(make_app, users):
    """With the memo on (as in production), a dossier seen again shows the same people, and
    after a write (a new assessment, an assignment) it shows the change at once: names,
    counts and pages."""
    from datetime import date

    from registry.audit.services import audit
    from registry.gaps.services import head_cache
    from registry.people.services import assessments
    from tests import factories
    from tests.support import login

    service = factories.make_service(code="busy")
    competence = factories.make_competence(code="COMMON")
    factories.make_requirement(service, competence, required_level=2, min_holders=1)
    for n in range(3):
        person = factories.make_person(name=f"Holder {n:02}")
        factories.make_assignment(person, service)
        factories.make_holding(person, competence, level=3)
    newcomer = factories.make_person(name="Aaron Nieuw")
    db.session.commit()
    app = make_app(PAGE_SIZE=2, GAP_CACHE=True)
    head_cache.clear()
    client = app.test_client()
    login(client, users["manager"])
    client.post("/language", data={"lang": "en"})

    def service_page():
        page = parse(client.get("/services/busy", query_string=PERIOD))
        now = names(page.find("table", id="requirements").find(data_holders="now"))
        assigned = [r.text() for r in page.find("table", id="assignments").find_all("tr")]
        return now, assigned, page.text()

    def competence_page(number=1):
        return parse(
            client.get("/competences/COMMON", query_string={**PERIOD, "page": number})
        ).text()

    try:
        first = service_page()
        assert first == service_page()  # remembered: the same
        assert "Aaron Nieuw" not in first[0] and "1–2 of 3" in first[2]
        assert "1–2 of 3" in competence_page() and "Aaron Nieuw" not in competence_page()

        actor = audit.Actor.system("test")
        assessments.record_holding(
            actor, newcomer, competence.id, level=5, assessed_on=date(2025, 1, 1)
        )
        db.session.commit()
        assert "Aaron Nieuw" in competence_page() and "1–2 of 4" in competence_page()
        assert "Aaron Nieuw" not in service_page()[0]  # not assigned: not qualified here

        assessments.create_assignment(actor, newcomer, service.id, role="beheer")
        db.session.commit()
        now, assigned, text = service_page()
        assert now[0] == "Aaron Nieuw"  # the highest level first
        assert any("Aaron Nieuw" in row for row in assigned) and "1–2 of 4" in text
        assert "3–4 of 4" in competence_page(2)
    finally:
        head_cache.clear()
