"""Done when (issue 7, item 2): a manager opens the dashboard, records a mitigation for a top
risk, and sees it beside that risk everywhere: dashboard, gap list, dossier, Maatregelen and
the Excel export. In a real browser on the demo municipality, CSRF on."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import click_and_wait, log_in, submit

pytestmark = pytest.mark.e2e


def test_manager_records_a_mitigation_and_sees_it_beside_the_risk(live_server, demo, page):
    base = live_server
    log_in(page, base, *demo["manager"])
    page.goto(base + "/reports/")
    first = page.locator("#top-risks tbody tr").first
    key = first.get_attribute("data-requirement")
    expect(first.locator("[data-no-mitigation]")).to_be_visible()
    first.get_by_role("link", name="Plan a mitigation").click()
    page.wait_for_url("**/mitigations/new")

    # An untouched form is refused, with the message next to the kind.
    submit(page).click()
    expect(page.locator("#kind-error")).to_contain_text("Choose the kind of measure.")

    expires = date.today() + timedelta(days=100)
    page.locator("#kind").select_option("accept_risk")
    # The owner is chosen by surname, as a manager knows her; the one match is accepted.
    page.locator("#owner_id").fill("Bakker")
    page.locator("#risk_expires_on").fill(expires.isoformat())
    page.locator("#note").fill("De leverancier borgt dit tot de aanbesteding.")
    click_and_wait(page, submit(page), "**/services/*")

    accepted = f"[data-risk-accepted='{expires.isoformat()}']"
    for url, row in (
        ("/reports/", f"#top-risks tr[data-requirement='{key}']"),
        ("/reports/gaps", f"#gaps tr[data-requirement='{key}']"),
        ("/reports/gaps?mitigation=accepted", f"#gaps tr[data-requirement='{key}']"),
        ("/mitigations/", f"#mitigations tr[data-requirement='{key}']"),
    ):
        page.goto(base + url)
        expect(page.locator(f"{row} {accepted}")).to_be_visible()
        expect(page.locator(row)).to_contain_text("Sanne Bakker")

    page.goto(base + "/reports/gaps")
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)", exact=True).click()
    with open(info.value.path(), "rb") as handle:  # the download has no .xlsx name
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in rows if r and "Open mitigations" in r)
    service, competence = key.split("/")
    line = next(
        r
        for r in rows
        if r[header.index("Service code")] == service
        and r[header.index("Competence code")] == competence
    )
    assert "Sanne Bakker (P05)" in line[header.index("Open mitigations")]
    assert line[header.index("Risk accepted until")].date() == expires
