"""The product walked end to end in a real browser, role by role, on the demo municipality.

Each test loads Gemeente Voorbeeldstad once and logs in through the login form with the demo
accounts. CSRF protection is on (as in production), so every form the browser sends proves the
page rendered its token. The journeys switch the interface to English once, on the login page,
so that they can find buttons by their (source) names; what they assert is data the user sees:
codes, names, numbers, `data-status` attributes and HTTP statuses.

The demo's dates are fixed while the tests run on today's date, so every fact a test depends
on and that would change with the calendar (a departure, a successor) is set up relative to
today, in the browser or in the test.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent, AuditHead
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.core.provenance import strip_preamble
from registry.people.models.staff import Person
from tests import factories
from tests.e2e.conftest import (
    choose_option,
    click_and_wait,
    log_in,
    new_user_page,
    requirement_row,
    stored,
    submit,
)
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e


def iso_in_days(days: int) -> str:
    return in_days(days).isoformat()


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


# --- 1. the editor keeps the registry current --------------------------------------------


def test_editor_keeps_the_demo_municipality_current(live_server, demo, page):
    base = live_server
    log_in(page, base, *demo["editor"])

    # A new hire, through the person form.
    page.goto(base + "/people/")
    click_and_wait(page, page.get_by_role("link", name="Add a person"), "**/people/new")
    page.locator("#employee_number").fill("P90")
    page.locator("#name").fill("Bram de Wit")
    choose_option(page.locator("#org_unit_id"), "Team Functioneel Beheer")
    page.locator("#job_title").fill("Functioneel beheerder e-formulieren")
    page.locator("#start_date").fill(iso_in_days(-7))
    click_and_wait(page, submit(page), "**/people/P90")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bram de Wit")
    expect(page.locator("#facts")).to_contain_text("P90")

    # An assessment for that person, from the person page.
    click_and_wait(
        page,
        page.get_by_role("link", name="Record an assessment"),
        "**/people/holdings/new?person=P90",
    )
    expect(page.locator("#person")).to_have_value("Bram de Wit (P90)")  # name and number
    choose_option(page.locator("#competence"), "BISL-TT")
    page.locator("#level").select_option("3")
    click_and_wait(page, submit(page), "**/people/P90")
    expect(page.locator("#holdings tr[data-competence='BISL-TT']")).to_have_attribute(
        "data-level", "3"
    )

    # Assigned to a service, from the service dossier: the requirement becomes covered.
    page.goto(base + "/services/digitaal-loket")
    expect(requirement_row(page, "BISL-TT").locator("[data-status]")).to_have_attribute(
        "data-status", "undercovered"
    )
    click_and_wait(
        page,
        page.get_by_role("link", name="Assign someone to this service"),
        "**/people/assignments/new?**",
    )
    expect(page.locator("#service option:checked")).to_contain_text("digitaal-loket")
    page.locator("#person").fill("P90")
    page.locator("#role").fill("functioneel beheerder")
    click_and_wait(page, submit(page), "**/services/digitaal-loket")
    expect(page.locator("#assignments tr[data-person='P90']")).to_be_visible()
    row = requirement_row(page, "BISL-TT")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "covered")
    expect(row.locator("[data-holders='now']")).to_contain_text("Bram de Wit")

    # A departure of a key person: the impact first, nothing written until confirmed.
    page.goto(base + "/people/P05")
    expect(page.locator("#key-person")).to_have_attribute("data-key-person", "yes")
    click_and_wait(
        page, page.get_by_role("link", name="Register a departure").first, "**/people/P05/departure"
    )
    page.locator("#leave_date").fill(iso_in_days(30))
    submit(page, "Show the impact").click()
    worsened = page.locator(
        "[data-impact='worsened'] tr[data-service='digitaal-loket'][data-competence='D.8']"
    )
    expect(worsened.locator("[data-status]").nth(0)).to_have_attribute("data-status", "covered")
    expect(worsened.locator("[data-status]").nth(1)).to_have_attribute("data-status", "leaving")
    second_tab = page.context.new_page()
    second_tab.goto(base + "/people/P05")
    expect(second_tab.locator("#facts")).to_be_visible()
    expect(second_tab.locator("#facts [data-leaving]")).to_have_count(0)
    assert stored(select(Person.leave_date).where(Person.employee_number == "P05")) is None
    second_tab.close()
    click_and_wait(page, submit(page, "Confirm the departure"), "**/people/P05")
    expect(page.locator("#facts [data-leaving]")).to_be_visible()
    assert stored(select(Person.leave_date).where(Person.employee_number == "P05")) == in_days(30)

    # A new service with two requirements.
    page.goto(base + "/services/")
    click_and_wait(page, page.get_by_role("link", name="Add a service"), "**/services/new")
    page.locator("#code").fill("parkeervergunningen")
    page.locator("#name").fill("Parkeervergunningen (SaaS)")
    choose_option(page.locator("#provider_id"), "Dimpact")
    page.locator("#criticality").select_option("high")
    click_and_wait(page, submit(page), "**/services/parkeervergunningen")
    for code, level, holders in (("D.8", "3", "1"), ("BISL-TT", "3", "2")):
        click_and_wait(
            page,
            page.get_by_role("link", name="Add a requirement"),
            "**/services/parkeervergunningen/requirements/new",
        )
        choose_option(page.locator("#competence_id"), code)
        page.locator("#required_level").select_option(level)
        page.locator("#min_holders").fill(holders)
        click_and_wait(page, submit(page), "**/services/parkeervergunningen")
    expect(page.locator("#requirements tbody tr")).to_have_count(2)

    # The gap list reflects all of it.
    page.goto(base + "/reports/gaps")
    gaps = page.locator("#gaps")
    for requirement, status in (
        ("parkeervergunningen/D.8", "unassigned"),
        ("parkeervergunningen/BISL-TT", "unassigned"),
        ("digitaal-loket/D.8", "leaving"),
    ):
        expect(
            gaps.locator(f"tr[data-requirement='{requirement}'] [data-status]")
        ).to_have_attribute("data-status", status)
    expect(gaps.locator("tr[data-requirement='digitaal-loket/BISL-TT']")).to_have_count(0)

    # And so does the service dossier: Sanne Bakker holds it now, nobody at the horizon.
    page.goto(base + "/services/digitaal-loket")
    row = requirement_row(page, "D.8")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "leaving")
    expect(row.locator("[data-holders='now']")).to_contain_text("Sanne Bakker")
    expect(row.locator("[data-holders='later'] a")).to_have_count(0)


# --- 2. the manager answers questions from the pages alone -------------------------------


def _manager_situation() -> None:
    """Sanne Bakker (P05), the only contract manager of the digital counter, leaves in 30
    days; Joris Opvolger (P80) holds Contract Management at level 4 but is not assigned."""
    sanne = db.session.execute(select(Person).where(Person.employee_number == "P05")).scalar_one()
    sanne.leave_date = in_days(30)
    contract_management = db.session.execute(
        select(Competence).where(Competence.code == "D.8")
    ).scalar_one()
    successor = factories.make_person(
        employee_number="P80", name="Joris Opvolger", start_date=in_days(-400)
    )
    factories.make_holding(
        person=successor, competence=contract_management, level=4, assessed_on=in_days(-30)
    )
    db.session.commit()


def test_manager_answers_from_the_pages_alone(live_server, demo, page):
    base = live_server
    _manager_situation()
    log_in(page, base, *demo["manager"])

    # Which services are at risk: the dashboard's top risks are the head of the gap list.
    page.goto(base + "/reports/")
    top = page.locator("#top-risks tbody tr")
    expect(top.first).to_be_visible()
    top_keys = [row.get_attribute("data-requirement") for row in top.all()]
    assert 0 < len(top_keys) <= 10
    statuses = page.locator("#top-risks [data-status]")
    assert "covered" not in {s.get_attribute("data-status") for s in statuses.all()}

    # From which departures: Sanne Bakker is listed with the knowledge that leaves.
    departure = page.locator("#departures tr[data-person='P05']")
    expect(departure).to_contain_text("Digitaal loket en e-formulieren")
    expect(departure.locator("[data-status='leaving']").first).to_be_visible()

    page.goto(base + "/reports/gaps")
    gap_keys = [
        row.get_attribute("data-requirement") for row in page.locator("#gaps tbody tr").all()
    ]
    assert gap_keys[: len(top_keys)] == top_keys
    assert "digitaal-loket/D.8" in gap_keys

    # The gap list as CSV, as the page shows it.
    count = int(page.locator("[data-count]").get_attribute("data-count"))
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert re.fullmatch(rf"gaps-{date.today().isoformat()}-90d\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(io.StringIO(strip_preamble(handle.read()))))  # dated preamble
    header, body = table[0], table[1:]
    assert header[:2] == ["Service code", "Service"]
    assert len(body) == count == len(gap_keys)
    code, competence, status = (
        header.index(name) for name in ("Service code", "Competence code", "Status")
    )
    assert [f"{row[code]}/{row[competence]}" for row in body] == gap_keys
    leaving = next(
        row for row in body if row[code] == "digitaal-loket" and row[competence] == "D.8"
    )
    assert leaving[status] == "leaving"

    # The same list as a spreadsheet.
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as handle:  # the saved download has no extension
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
    cells = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert cells[0] == header
    assert [f"{row[code]}/{row[competence]}" for row in cells[1:]] == gap_keys

    # Why, and who could take over: the service dossier.
    page.locator("#gaps tr[data-requirement='digitaal-loket/D.8'] a").first.click()
    page.wait_for_url("**/services/digitaal-loket**")
    row = requirement_row(page, "D.8")
    expect(row.locator("[data-status]").first).to_have_attribute("data-status", "leaving")
    expect(row.locator("[data-holders='now']")).to_contain_text("Sanne Bakker")
    expect(row.locator("[data-holders='later'] a")).to_have_count(0)
    expect(row.locator("[data-suggestion='candidate']", has_text="Joris Opvolger")).to_be_visible()

    # The person page says the same.
    page.goto(base + "/people/P05")
    expect(page.locator("#facts [data-leaving]")).to_be_visible()
    expect(page.locator("#qualifications [data-requirement='digitaal-loket/D.8']")).to_be_visible()

    # What if Esther Visser (the privacy officer) left too? Nothing is written.
    page.goto(base + "/people/P27")
    click_and_wait(
        page,
        page.get_by_role("link", name="Try a departure on another date"),
        "**/reports/what-if?**",
    )
    expect(page.locator("#change_1-person")).to_have_value("Esther Visser (P27)")
    page.locator("#change_1-leave_on").fill(iso_in_days(20))
    submit(page, "Show the impact").click()
    worse = page.locator("#worsened tr[data-requirement='digitaal-loket/NL-AVG']")
    expect(worse.locator("[data-before] [data-status]")).to_have_attribute("data-status", "covered")
    expect(worse.locator("[data-after] [data-status]")).to_have_attribute("data-status", "leaving")
    assert stored(select(Person.leave_date).where(Person.employee_number == "P27")) is None

    # A manager sees no edit buttons, and an edit address opened directly is refused.
    for path in (
        "/services/digitaal-loket",
        "/people/P05",
        "/competences/D.8",
        "/people/",
        "/services/",
    ):
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        main = page.locator("main")
        # Managers do plan mitigations; every other change is for editors.
        for edit_link in (
            "a[href$='/edit']",
            "a[href$='/new']",
            "a[href*='/new?']",
            "a[href$='/departure']",
            "a[href$='/delete']",
            "a[href$='/retire']",
        ):
            expect(main.locator(f"{edit_link}:not([href*='/mitigations/'])")).to_have_count(0)
    for path in (
        "/services/digitaal-loket/edit",
        "/people/P05/departure",
        "/people/new",
        "/services/new",
        "/competences/D.8/edit",
    ):
        response = page.goto(base + path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


# --- 3. the auditor checks the trail -------------------------------------------------------


def test_auditor_reads_the_editors_changes_and_verifies_the_chain(
    live_server, demo, context_factory
):
    base = live_server
    editor = new_user_page(context_factory, base, *demo["editor"])
    editor.goto(base + "/services/documentmanagement/edit")
    editor.locator("#criticality").select_option("critical")
    click_and_wait(editor, submit(editor), "**/services/documentmanagement")

    page = new_user_page(context_factory, base, *demo["auditor"])
    page.goto(base + "/audit/")
    page.locator("details.kb-filters summary").click()
    page.locator("#entity").select_option("service")
    submit(page, "Show").click()
    page.wait_for_url("**/audit/?*entity=service*")
    rows = page.locator("tr[data-entity]")
    expect(rows.first).to_be_visible()
    assert {row.get_attribute("data-entity") for row in rows.all()} == {"service"}
    change = page.locator("tr[data-entity='service'][data-action='update']")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(demo["editor"][0])
    change.locator("summary").click()
    field = change.locator("tr[data-field='criticality']")
    expect(field).to_have_attribute("data-changed", "true")
    expect(field.locator("td").nth(0)).to_have_text("high")
    expect(field.locator("td").nth(1)).to_have_text("critical")

    page.get_by_role("button", name="Verify the chain").first.click()
    page.wait_for_url("**/audit/verify")
    expect(page.locator("[data-verification]")).to_have_attribute("data-verification", "ok")
    db.session.rollback()
    count, last_hash = db.session.execute(select(AuditHead.count, AuditHead.hash)).one()
    assert count == stored(select(func.count()).select_from(AuditEvent))
    expect(page.locator("[data-head]")).to_have_attribute("data-head", f"{count}:{last_hash}")

    response = page.goto(base + "/users/")
    assert response.status == 403


# --- 4. the administrator manages accounts -------------------------------------------------


def _create_account(admin: Page, base: str, email: str, password: str) -> None:
    admin.goto(base + "/users/")
    click_and_wait(admin, admin.get_by_role("link", name="Create an account"), "**/users/new")
    admin.locator("#email").fill(email)
    admin.locator("#name").fill("Nieuwe Manager")
    admin.locator("#role").select_option("manager")
    admin.locator("#password").fill(password)
    submit(admin, "Create the account").click()
    admin.wait_for_url(re.compile(r".*/users/\d+$"))
    expect(admin.locator("[data-active]")).to_have_attribute("data-active", "true")


NEWCOMER = ("nieuwe.manager@voorbeeldstad.example", "een lang wachtwoord")


def test_admin_creates_and_deactivates_a_user_whose_session_then_ends(
    live_server, demo, context_factory
):
    base = live_server
    admin = new_user_page(context_factory, base, *demo["admin"])
    _create_account(admin, base, *NEWCOMER)

    newcomer = new_user_page(context_factory, base, *NEWCOMER)
    newcomer.goto(base + "/reports/")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Dashboard")

    admin.goto(base + "/users/")
    click_and_wait(admin, admin.get_by_role("link", name=NEWCOMER[0]), re.compile(r".*/users/\d+$"))
    with admin.expect_response(lambda r: r.request.method == "POST") as info:
        submit(admin, "Deactivate the account").click()
    assert info.value.status == 302
    expect(admin.locator("[data-active]")).to_have_attribute("data-active", "false")
    assert stored(select(User.active).where(User.email == NEWCOMER[0])) is False

    newcomer.goto(base + "/reports/")
    assert newcomer.url.startswith(base + "/login")
    expect(newcomer.locator("#email")).to_be_visible()
    # And the account cannot log in again.
    newcomer.locator("#email").fill(NEWCOMER[0])
    newcomer.locator("#password").fill(NEWCOMER[1])
    with newcomer.expect_response(lambda r: r.request.method == "POST") as info:
        newcomer.locator("#password").press("Enter")
    assert info.value.status == 401


def test_deactivating_from_a_page_opened_before_the_holder_logged_in(
    live_server, users, context_factory
):
    base = live_server
    admin = new_user_page(context_factory, base, users["admin"].email, PASSWORD)
    admin.goto(base + f"/users/{users['manager'].id}")
    new_user_page(context_factory, base, users["manager"].email, PASSWORD)  # logs in meanwhile
    with admin.expect_response(lambda r: r.request.method == "POST") as info:
        submit(admin, "Deactivate the account").click()
    assert info.value.status == 302
    assert stored(select(User.active).where(User.id == users["manager"].id)) is False


# --- 5. optimistic locking ------------------------------------------------------------------


def test_second_save_of_the_same_service_is_refused_and_shows_the_current_values(
    live_server, demo, context_factory
):
    base = live_server
    factories.make_user(
        role="editor", email="tweede.redacteur@voorbeeldstad.example", password=PASSWORD
    )
    db.session.commit()
    first = new_user_page(context_factory, base, *demo["editor"])
    second = new_user_page(
        context_factory, base, "tweede.redacteur@voorbeeldstad.example", PASSWORD
    )
    for page in (first, second):
        page.goto(base + "/services/klantcontact/edit")
        expect(page.locator("#name")).to_have_value("Klantcontact (KCC-systeem)")

    first.locator("#name").fill("Klantcontact (KISS)")
    click_and_wait(first, submit(first), "**/services/klantcontact")

    second.locator("#criticality").select_option("critical")
    second.locator("#description").fill("Beschrijving van de tweede redacteur")
    with second.expect_response(lambda r: r.request.method == "POST") as info:
        submit(second).click()
    assert info.value.status == 409
    expect(second.locator("[data-conflict]")).to_be_visible()
    # The form now holds the stored values: the first editor's name, the old criticality.
    expect(second.locator("#name")).to_have_value("Klantcontact (KISS)")
    expect(second.locator("#criticality")).to_have_value("high")
    # And what the second editor typed is still shown, to enter again.
    expect(second.locator("[data-typed]")).to_contain_text("Beschrijving van de tweede redacteur")

    assert (
        stored(select(Service.name).where(Service.code == "klantcontact")) == "Klantcontact (KISS)"
    )
    assert stored(select(Service.criticality).where(Service.code == "klantcontact")) == "high"

    # Saving again from the refreshed form keeps both changes.
    second.locator("#criticality").select_option("critical")
    click_and_wait(second, submit(second), "**/services/klantcontact")
    expect(second.get_by_role("heading", level=1)).to_have_text("Klantcontact (KISS)")
    assert stored(select(Service.criticality).where(Service.code == "klantcontact")) == "critical"
