"""The forecast on the pages: "Komende tekorten" on the dashboard, the step charts of the
service dossier, the gap list's "first short on" column (sortable) and its exports.

The demo municipality of `test_reports` on D = 2025-06-01: Bram leaves on 2025-07-01, so
Zaaksysteem's CM (min 2) and PRIV (min 1) first fall short that day; FB and Werkplek's CM are
short today; SEC never falls short within the year.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from registry.core.provenance import strip_preamble
from tests.data.registries import PERIOD, demo_registry
from tests.support import parse


@pytest.fixture
def demo(app):
    return demo_registry()


@pytest.fixture
def manager(client_as):
    c = client_as("manager")
    c.post("/language", data={"lang": "en"})
    return c


def test_dashboard_shows_upcoming_shortfalls_by_month_with_cause_and_link(manager, demo):
    page = parse(manager.get("/reports/", query_string=PERIOD))
    section = page.find("section", id="upcoming")
    assert section.find("h2").text() == "Upcoming shortfalls"
    (month,) = section.find_all("table", data_month=True)
    assert month.get("data-month") == "2025-07"
    assert section.find("h3").text() == "July 2025"
    rows = {r.get("data-upcoming"): r for r in month.find_all("tr", data_upcoming=True)}
    assert list(rows) == ["zaaksysteem-0/CM", "zaaksysteem-0/PRIV"]
    cells = [c.text() for c in rows["zaaksysteem-0/CM"].find_all("td")]
    assert cells[0] == "Jul 1, 2025"
    assert cells[-1] == "Bram de Vries 0 leaves"
    link = rows["zaaksysteem-0/CM"].find("a")
    assert link.get("href").startswith("/services/zaaksysteem-0?")
    assert link.get("href").endswith("#forecast-CM")
    whole = section.find_all("a")[-1].get("href")
    assert "sort=first_short" in whole and "status=covered" in whole


def test_dossier_shows_a_step_chart_a_table_and_the_first_short_day(manager, demo):
    page = parse(manager.get("/services/zaaksysteem-0", query_string=PERIOD))
    section = page.find("section", id="forecast")
    cm = section.find("h3", id="forecast-CM")
    assert cm.text() == "Contract management"
    first = section.find("p", data_first_short="2025-07-01")
    assert "First short on July 1, 2025" in first.text()
    assert "Bram de Vries 0 leaves" in first.text()
    svg = section.find("svg")
    assert svg.get("role") == "img"
    assert svg.find("title").text().startswith("Qualified people for ")
    assert svg.find("path").get("d").startswith("M")
    table = section.find("table", data_forecast="CM")
    body = [[c.text() for c in r.find_all("td")] for r in table.find("tbody").find_all("tr")]
    assert body == [["Jun 1, 2025", "Jun 30, 2025", "2"], ["Jul 1, 2025", "Jun 1, 2026", "1 short"]]
    sec = section.find("table", data_forecast="SEC")
    assert [[c.text() for c in r.find_all("td")] for r in sec.find("tbody").find_all("tr")] == [
        ["Jun 1, 2025", "Jun 1, 2026", "1"]
    ]
    assert section.find("p", data_first_short="").text().startswith("Does not fall short")


def test_gap_list_has_a_first_short_column_and_sorts_by_it(manager, demo):
    page = parse(manager.get("/reports/gaps", query_string=PERIOD))
    rows = page.find("table", id="gaps").find("tbody").find_all("tr")
    by_risk = [(r.get("data-requirement"), r.find("td", data_first_short=True)) for r in rows]
    assert [(key, cell.get("data-first-short")) for key, cell in by_risk] == [
        ("zaaksysteem-0/FB", "2025-06-01"),
        ("zaaksysteem-0/PRIV", "2025-07-01"),
        ("werkplek-0/CM", "2025-06-01"),
        ("zaaksysteem-0/CM", "2025-07-01"),
    ]
    header = page.find("table", id="gaps").find("thead").find_all("th")[-1]
    assert "sort=first_short" in header.find("a").get("href")

    page = parse(manager.get("/reports/gaps", query_string={**PERIOD, "sort": "first_short"}))
    rows = page.find("table", id="gaps").find("tbody").find_all("tr")
    assert [r.get("data-requirement") for r in rows] == [
        "zaaksysteem-0/FB",
        "werkplek-0/CM",
        "zaaksysteem-0/PRIV",
        "zaaksysteem-0/CM",
    ]
    header = page.find("table", id="gaps").find("thead").find_all("th")[-1]
    assert header.get("aria-sort") == "ascending"
    # an unknown order falls back to risk
    page = parse(manager.get("/reports/gaps", query_string={**PERIOD, "sort": "bogus"}))
    assert page.find("p", id="gap-sort").find("strong").text() == "highest risk first"


def test_exports_carry_the_first_short_day(manager, demo):
    query = {**PERIOD, "sort": "first_short"}
    data = manager.get("/reports/gaps.csv", query_string=query).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(strip_preamble(data))))
    assert rows[0][-1] == "First short on"
    assert [(r[0], r[4], r[-1]) for r in rows[1:]] == [
        ("zaaksysteem-0", "FB", "2025-06-01"),
        ("werkplek-0", "CM", "2025-06-01"),
        ("zaaksysteem-0", "PRIV", "2025-07-01"),
        ("zaaksysteem-0", "CM", "2025-07-01"),
    ]
    sheet = load_workbook(
        io.BytesIO(manager.get("/reports/gaps.xlsx", query_string=query).data)
    ).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "First short on"
    assert [str(r[-1])[:10] for r in values[1:]] == [
        "2025-06-01",
        "2025-06-01",
        "2025-07-01",
        "2025-07-01",
    ]
