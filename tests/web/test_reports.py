"""The report pages: dashboard, gap list and exports, coverage and skills matrices, what-if.

The data is a small demo municipality (`demo_registry`), looked at on a fixed day D so the
figures do not depend on today's date. The dossier and query-count tests reuse it.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from registry.extensions import db
from registry.models import Assignment, AuditEvent, Person
from tests import factories
from tests.conftest import ROLES

D = date(2025, 6, 1)  # E = D + 90 days = 2025-08-30
PERIOD = {"as_of": D.isoformat(), "horizon": "90"}


# --- a small HTML reader (the standard library has no DOM) -----------------------------------

VOID = {"br", "input", "meta", "link", "img", "hr", "source", "col", "area", "base", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, **attrs):
        """Descendants with this tag and attributes (True: present; `class_` matches one
        class; `data_x` is `data-x`)."""
        result = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if all(_matches(node, name, value) for name, value in attrs.items()):
                result.append(node)
        return result

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def get(self, name, default=None):
        return self.attrs.get(name, default)


def _matches(node, name, value) -> bool:
    if name == "class_":
        return value in (node.attrs.get("class") or "").split()
    name = name.replace("_", "-")
    if value is True:
        return name in node.attrs
    return node.attrs.get(name) == value


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response) -> Node:
    assert response.status_code == 200, response.status_code
    builder = _Builder()
    builder.feed(response.get_data(as_text=True))
    return builder.root


def statuses(page: Node, selector="data_requirement") -> dict[str, str]:
    """requirement key → status code, for the rows of a table."""
    return {
        row.get(selector.replace("_", "-")): row.find(data_status=True).get("data-status")
        for row in page.find_all("tr", **{selector: True})
    }


# --- the demo municipality -------------------------------------------------------------------


@dataclass
class Demo:
    services: list
    people: dict


def demo_registry(scale: int = 1, start: int = 0) -> Demo:
    """`scale` copies of a small municipality, numbered from `start`. Per copy, on
    D = 2025-06-01 with H = 90:

    - Zaaksysteem (critical, Dimpact, contract ends 2025-07-15):
        CM (level 3, min 2): Anna + Bram now, only Anna at E (Bram leaves 2025-07-01)
                             → undercovered
        SEC (level 3, min 1): Anna → covered
        FB (level 2, min 1): nobody assigned → unassigned; Carla is a candidate
        PRIV (level 3, min 1): only Bram → leaving
    - Werkplek (medium, GovUnited): CM (level 3, min 1): Daan holds CM 2 → unassigned;
      Anna and Carla are candidates, Daan needs training.
    Daan's CM assessment (2022) is stale; his SEC holding expires on 2025-08-15.
    """
    from registry.models import Competence, Framework, OrgUnit, Provider

    framework = db.session.query(Framework).filter_by(
        key="ecf"
    ).one_or_none() or factories.make_framework(key="ecf", name="e-CF 4.0")

    def competence(code, name, area):
        return db.session.query(Competence).filter_by(
            code=code
        ).one_or_none() or factories.make_competence(
            code=code, name=name, framework=framework, area=area
        )

    cm = competence("CM", "Contract management", "Steering")
    sec = competence("SEC", "Information security", "Assurance")
    fb = competence("FB", "Functional management", "Operations")
    priv = competence("PRIV", "Privacy", "Assurance")
    dimpact = db.session.query(Provider).filter_by(
        name="Dimpact"
    ).one_or_none() or factories.make_provider(name="Dimpact", kind="cooperative")
    govunited = db.session.query(Provider).filter_by(
        name="GovUnited"
    ).one_or_none() or factories.make_provider(name="GovUnited", kind="supplier")
    unit = db.session.query(OrgUnit).filter_by(
        path="Dienstverlening"
    ).one_or_none() or factories.make_org_unit(name="Dienstverlening", path="Dienstverlening")
    services, people = [], {}
    for i in range(start, start + scale):
        anna = factories.make_person(
            name=f"Anna Jansen {i}", org_unit=unit, job_title="Contractmanager"
        )
        bram = factories.make_person(
            name=f"Bram de Vries {i}", org_unit=unit, leave_date=date(2025, 7, 1)
        )
        carla = factories.make_person(name=f"Carla Bakker {i}", org_unit=unit)
        daan = factories.make_person(name=f"Daan Visser {i}")
        zaak = factories.make_service(
            code=f"zaaksysteem-{i}",
            name=f"Zaaksysteem {i}",
            criticality="critical",
            provider=dimpact,
            owner=anna,
            contract_end=date(2025, 7, 15),
        )
        werkplek = factories.make_service(
            code=f"werkplek-{i}", name=f"Werkplek {i}", criticality="medium", provider=govunited
        )
        factories.make_requirement(zaak, cm, required_level=3, min_holders=2)
        factories.make_requirement(zaak, sec, required_level=3, min_holders=1)
        factories.make_requirement(zaak, fb, required_level=2, min_holders=1)
        factories.make_requirement(zaak, priv, required_level=3, min_holders=1)
        factories.make_requirement(werkplek, cm, required_level=3, min_holders=1)
        factories.make_assignment(anna, zaak, role="contractmanager")
        factories.make_assignment(bram, zaak, role="back-up")
        factories.make_assignment(daan, werkplek, role="functioneel beheerder")
        factories.make_holding(anna, cm, level=4)
        factories.make_holding(anna, sec, level=3)
        factories.make_holding(bram, cm, level=3)
        factories.make_holding(bram, priv, level=4)
        factories.make_holding(carla, fb, level=3)
        factories.make_holding(carla, cm, level=3)
        factories.make_holding(daan, cm, level=2, assessed_on=date(2022, 1, 1))
        factories.make_holding(daan, sec, level=1, expires_on=date(2025, 8, 15))
        services += [zaak, werkplek]
        people.update({f"anna{i}": anna, f"bram{i}": bram, f"carla{i}": carla, f"daan{i}": daan})
    db.session.commit()
    return Demo(services, people)


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
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
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
    assert demo.people["carla0"].employee_number not in options
    assert demo.people["anna0"].employee_number in options


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
