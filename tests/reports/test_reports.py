"""The report pages: dashboard, gap list and exports, coverage and skills matrices, what-if.

The data is a small demo municipality (`demo_registry`), looked at on a fixed day D so the
figures do not depend on today's date. The dossier and query-count tests reuse it.
"""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.core.provenance import read_preamble, strip_preamble
from registry.people.models.holdings import Assignment
from registry.people.models.staff import Person
from tests.data.registries import PERIOD, D, demo_registry
from tests.support import ROLES, parse, statuses


@pytest.fixture
def demo(app):
    return demo_registry()


@pytest.fixture
def manager(client_as):
    c = client_as("manager")
    c.post("/language", data={"lang": "en"})
    return c


# --- every page, every role ------------------------------------------------------------------

PAGES = [
    "/reports/",
    "/reports/gaps",
    "/reports/gaps.csv",
    "/reports/gaps.xlsx",
    "/reports/matrix",
    "/reports/skills",
    "/reports/skills?service=zaaksysteem-0",
    "/reports/what-if",
    "/services/zaaksysteem-0",
    "/competences/CM",
    "/people/{anna}",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_report_page_opens_for_every_role(client_as, demo, role):
    c = client_as(role)
    for url in PAGES:
        response = c.get(url.format(anna=demo.people["anna0"].employee_number))
        assert response.status_code == 200, url


def test_anonymous_visitors_are_sent_to_login(client, demo):
    for url in PAGES:
        response = client.get(url.format(anna=demo.people["anna0"].employee_number))
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")


# --- dashboard -------------------------------------------------------------------------------


def test_dashboard_shows_coverage_counts_and_the_highest_risks_first(manager, demo):
    page = parse(manager.get("/reports/", query_string=PERIOD))
    counts = {
        card.get("data-status-count"): int(card.find(class_="kb-card__number").text())
        for card in page.find_all(data_status_count=True)
    }
    assert counts == {"unassigned": 2, "leaving": 1, "undercovered": 1, "covered": 1}
    assert page.find(data_coverage=True).get("data-coverage") == "20.0"
    top = [
        row.get("data-requirement")
        for row in page.find("table", id="top-risks").find_all("tr", data_requirement=True)
    ]
    # risk = severity × criticality: FB 3×4, PRIV 2×4, werkplek CM 3×2, zaaksysteem CM 1×4
    assert top == ["zaaksysteem-0/FB", "zaaksysteem-0/PRIV", "werkplek-0/CM", "zaaksysteem-0/CM"]


def test_dashboard_lists_departures_with_what_they_take_along(manager, demo):
    page = parse(manager.get("/reports/", query_string=PERIOD))
    departures = page.find("table", id="departures")
    rows = departures.find_all("tr", data_person=True)
    assert [r.get("data-person") for r in rows] == [demo.people["bram0"].employee_number]
    affected = {badge.get("data-status") for badge in rows[0].find_all(data_status=True)}
    assert affected == {"leaving", "undercovered"}  # PRIV and CM of the Zaaksysteem
    assert "Privacy" in rows[0].text()


def test_dashboard_lists_ending_contracts_stale_and_expiring_assessments(manager, demo):
    page = parse(manager.get("/reports/", query_string=PERIOD))
    contracts = page.find("table", id="contracts")
    assert [r.get("data-service") for r in contracts.find_all("tr", data_service=True)] == [
        "zaaksysteem-0"
    ]
    assert "Daan Visser 0" in page.find(id="stale").text()
    assert "Contract management" in page.find(id="stale").text()
    assert "Information security" in page.find(id="expiring").text()
    providers = [
        r.get("data-provider")
        for r in page.find("table", id="providers").find_all("tr", data_provider=True)
    ]
    assert providers == ["GovUnited", "Dimpact"]  # 0 % before 25 %


def test_dashboard_keeps_date_and_horizon_in_its_links(manager, demo):
    page = parse(manager.get("/reports/", query_string=PERIOD))
    link = page.find("table", id="top-risks").find("a")
    assert "as_of=2025-06-01" in link.get("href") and "horizon=90" in link.get("href")


def test_a_later_horizon_changes_the_figures(manager, demo):
    # Looking only 10 days ahead, Bram is still there at the horizon: PRIV is covered.
    page = parse(manager.get("/reports/", query_string={"as_of": "2025-06-01", "horizon": "10"}))
    counts = {
        card.get("data-status-count"): int(card.find(class_="kb-card__number").text())
        for card in page.find_all(data_status_count=True)
    }
    assert counts["leaving"] == 0
    assert page.find("table", id="departures") is None


# --- gap list --------------------------------------------------------------------------------


def test_gap_list_shows_gaps_by_risk_and_leaves_covered_out(manager, demo):
    page = parse(manager.get("/reports/gaps", query_string=PERIOD))
    rows = page.find("table", id="gaps").find_all("tr", data_requirement=True)
    assert [r.get("data-requirement") for r in rows] == [
        "zaaksysteem-0/FB",
        "zaaksysteem-0/PRIV",
        "werkplek-0/CM",
        "zaaksysteem-0/CM",
    ]
    assert [int(r.get("data-risk")) for r in rows] == [12, 8, 6, 4]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "unassigned"}, {"zaaksysteem-0/FB", "werkplek-0/CM"}),
        ({"status": ["covered", "leaving"]}, {"zaaksysteem-0/SEC", "zaaksysteem-0/PRIV"}),
        ({"service": "werkplek-0"}, {"werkplek-0/CM"}),
        (
            {"criticality": "critical"},
            {"zaaksysteem-0/FB", "zaaksysteem-0/PRIV", "zaaksysteem-0/CM"},
        ),
        ({"framework": "ecf", "area": "Assurance"}, {"zaaksysteem-0/PRIV"}),
    ],
)
def test_gap_list_filters(manager, demo, params, expected):
    page = parse(manager.get("/reports/gaps", query_string={**PERIOD, **params}))
    assert set(statuses(page)) == expected


def test_gap_list_filters_by_provider(manager, demo):
    provider_id = demo.services[1].provider_id
    page = parse(manager.get("/reports/gaps", query_string={**PERIOD, "provider": provider_id}))
    assert set(statuses(page)) == {"werkplek-0/CM"}


def test_bad_date_and_horizon_get_a_message_and_the_defaults(manager, demo):
    response = manager.get("/reports/gaps", query_string={"as_of": "2025-02-30", "horizon": "5000"})
    page = parse(response)
    errors = [e.text() for e in page.find_all(class_="utrecht-form-field-error-message")]
    assert len(errors) == 2
    assert "3650" in errors[1]
    period = page.find(class_="kb-period")
    assert period.get("data-as-of") == date.today().isoformat()
    assert period.get("data-horizon") == "90"


def test_unknown_filter_value_is_reported_not_a_crash(manager, demo):
    page = parse(manager.get("/reports/gaps", query_string={**PERIOD, "service": "nope"}))
    assert page.find(id="service-error") is not None
    assert len(statuses(page)) == 4  # the filter is ignored


def test_gap_list_pages_through_long_lists(app, manager):
    demo_registry(scale=15)  # 60 gaps, 50 a page
    first = parse(manager.get("/reports/gaps", query_string=PERIOD))
    second = parse(manager.get("/reports/gaps", query_string={**PERIOD, "page": 2}))
    assert len(statuses(first)) == 50
    assert len(statuses(second)) == 10
    assert first.find("p", data_count=True).get("data-count") == "60"


# --- exports ---------------------------------------------------------------------------------


def test_csv_export_is_what_the_page_shows_with_bom(manager, demo):
    response = manager.get("/reports/gaps.csv", query_string={**PERIOD, "status": "unassigned"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert read_preamble(text)["as_of"] == D.isoformat()  # dated: see test_dated_exports
    rows = list(csv.reader(io.StringIO(strip_preamble(text))))
    assert rows[0][:2] == ["Service code", "Service"]
    assert [(r[0], r[4], r[13]) for r in rows[1:]] == [
        ("zaaksysteem-0", "FB", "unassigned"),
        ("werkplek-0", "CM", "unassigned"),
    ]


def test_exports_neutralise_formulas(manager, demo):
    demo.services[0].name = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    data = manager.get("/reports/gaps.csv", query_string=PERIOD).data.decode("utf-8-sig")
    assert "'=HYPERLINK" in data
    workbook = load_workbook(
        io.BytesIO(manager.get("/reports/gaps.xlsx", query_string=PERIOD).data)
    )
    names = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert names[0] == "'" + demo.services[0].name


def test_xlsx_export_has_the_same_rows_as_the_page(manager, demo):
    response = manager.get(
        "/reports/gaps.xlsx", query_string={**PERIOD, "service": "zaaksysteem-0"}
    )
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[4], r[10], r[11], r[12]) for r in rows] == [
        ("FB", 0, 0, 1),
        ("PRIV", 1, 0, 0),
        ("CM", 2, 1, 1),
    ]


# --- coverage matrix -------------------------------------------------------------------------


def test_matrix_cells_show_status_and_counts_in_text_and_link_to_the_detail(manager, demo):
    page = parse(manager.get("/reports/matrix", query_string=PERIOD))
    cell = page.find("td", data_cell="zaaksysteem-0/CM")
    assert cell.get("data-status") == "undercovered"
    assert "2 → 1 (2)" in cell.text()
    assert cell.find(class_="utrecht-status-badge").text() == "undercovered"
    href = cell.find("a").get("href")
    assert href.startswith("/services/zaaksysteem-0?") and href.endswith("#req-CM")
    assert "as_of=2025-06-01" in href
    empty = page.find("td", data_cell="werkplek-0/FB")
    assert empty.get("data-status") is None and "not required" in empty.text()


def test_matrix_filters_by_provider(manager, demo):
    page = parse(
        manager.get(
            "/reports/matrix", query_string={**PERIOD, "provider": demo.services[1].provider_id}
        )
    )
    assert [r.get("data-service") for r in page.find_all("th", data_service=True)] == ["werkplek-0"]


def test_matrix_filters_by_service_and_groups_competences(manager, demo):
    page = parse(
        manager.get("/reports/matrix", query_string={**PERIOD, "service": "zaaksysteem-0"})
    )
    assert [r.get("data-service") for r in page.find_all("th", data_service=True)] == [
        "zaaksysteem-0"
    ]
    groups = page.find_all("tbody", data_group=True)
    assert groups and all(g.find("th", scope="rowgroup") for g in groups)
    shown = [r.get("data-competence") for r in page.find_all("tr", data_competence=True)]
    assert "CM" in shown and len(shown) == len(set(shown))


# --- skills matrix ---------------------------------------------------------------------------


def test_skills_matrix_for_a_service(manager, demo):
    page = parse(
        manager.get("/reports/skills", query_string={**PERIOD, "service": "zaaksysteem-0"})
    )
    anna, bram = demo.people["anna0"].employee_number, demo.people["bram0"].employee_number
    assert {r.get("data-person") for r in page.find_all("tr", data_person=True)} == {anna, bram}
    assert page.find("td", data_cell=f"{anna}/CM").get("data-level") == "4"
    assert page.find("td", data_cell=f"{bram}/PRIV").get("data-level") == "4"
    assert page.find("td", data_cell=f"{bram}/SEC").get("data-level") == ""


def test_skills_matrix_for_an_org_unit(manager, demo):
    unit_id = demo.people["anna0"].org_unit_id
    page = parse(manager.get("/reports/skills", query_string={**PERIOD, "org_unit": unit_id}))
    people = {r.get("data-person") for r in page.find_all("tr", data_person=True)}
    assert people == {demo.people[k].employee_number for k in ("anna0", "bram0", "carla0")}
    carla = demo.people["carla0"].employee_number
    assert page.find("td", data_cell=f"{carla}/FB").get("data-level") == "3"


# --- what-if ---------------------------------------------------------------------------------


def test_what_if_shows_what_worsens_and_writes_nothing(manager, demo):
    anna = demo.people["anna0"]
    events = db.session.query(AuditEvent).count()
    page = parse(
        manager.get(
            "/reports/what-if", query_string={**PERIOD, "change_1-person": anna.employee_number}
        )
    )
    worsened = {
        row.get("data-requirement"): (
            row.find(data_before=True).find(data_status=True).get("data-status"),
            row.find(data_after=True).find(data_status=True).get("data-status"),
        )
        for row in page.find("table", id="worsened").find_all("tr", data_requirement=True)
    }
    assert worsened == {
        "zaaksysteem-0/CM": ("undercovered", "leaving"),
        "zaaksysteem-0/SEC": ("covered", "unassigned"),
    }
    result = page.find(data_coverage_before=True)
    assert result.get("data-coverage-before") == "20.0"
    assert result.get("data-coverage-after") == "0.0"
    db.session.expire_all()
    assert db.session.get(Person, anna.id).leave_date is None
    assert db.session.query(AuditEvent).count() == events


def test_what_if_can_end_only_an_assignment_on_a_later_date(manager, demo):
    bram = demo.people["bram0"]
    anna = demo.people["anna0"]
    page = parse(
        manager.get(
            "/reports/what-if",
            query_string={
                **PERIOD,
                "change_1-person": anna.employee_number,
                "change_1-leave_on": "2025-08-01",
                "change_1-service": "zaaksysteem-0",
                "change_2-person": bram.employee_number,
            },
        )
    )
    worsened = set(statuses(page.find("table", id="worsened")))
    assert worsened == {"zaaksysteem-0/CM", "zaaksysteem-0/SEC", "zaaksysteem-0/PRIV"}
    assert [li.get("data-person") for li in page.find(id="changes").find_all("li")] == [
        anna.employee_number,
        bram.employee_number,
    ]
    assert db.session.query(Assignment).filter_by(end_on=None).count() == 3


def test_what_if_without_choices_shows_the_form_only(manager, demo):
    page = parse(manager.get("/reports/what-if"))
    assert page.find(id="result") is None
    assert page.find("input", id="change_1-person").get("list") == "whatif-people"
    options = [o.get("value") for o in page.find("datalist", id="whatif-people").find_all("option")]
    # only people assigned today can change a status; Carla is not assigned
    carla, anna = demo.people["carla0"], demo.people["anna0"]
    assert f"{carla.name} ({carla.employee_number})" not in options
    assert f"{anna.name} ({anna.employee_number})" in options


def test_what_if_names_an_unknown_employee_number_and_writes_nothing(manager, demo):
    response = manager.get(
        "/reports/what-if", query_string={**PERIOD, "change_1-person": "NOBODY-1"}
    )
    page = parse(response)
    assert response.status_code == 200
    assert page.find(id="change_1-person-error") is not None
    assert page.find(id="result") is None


def test_pages_work_on_an_empty_registry(client_as):
    c = client_as("auditor")
    for url in (
        "/reports/",
        "/reports/gaps",
        "/reports/gaps.csv",
        "/reports/matrix",
        "/reports/skills",
        "/reports/what-if",
    ):
        assert c.get(url).status_code == 200, url


def test_pages_have_no_inline_styles_or_scripts(manager, demo):
    anna = demo.people["anna0"].employee_number
    for url in (
        "/reports/",
        "/reports/gaps",
        "/reports/matrix",
        "/reports/what-if",
        "/reports/skills",
        "/services/zaaksysteem-0",
        "/competences/CM",
        f"/people/{anna}",
    ):
        page = parse(
            manager.get(
                url, query_string={**PERIOD, "service": "zaaksysteem-0", "change_1-person": anna}
            )
        )
        assert not page.find_all(style=True), url
        assert not [s for s in page.find_all("script") if s.text()], url
        assert len(page.find_all("h1")) == 1, url
        for table in page.find_all("table"):
            assert table.find("caption") is not None, url
            assert all(th.get("scope") for th in table.find_all("th")), url
