"""The region view and the candidates in the region (DESIGN.md, "Region").

Three organisations, A (GM0001, the registry's first), B and C, each filled with the small
demo municipality of `tests/data/registries.py` (C twice over; in B, Daan covers Functional
management), looked at on its fixed day D: the region's figures, computed by statements over
every organisation at once, must equal each organisation's own analysis; only members of the
region see the region view (anyone else: 404); the regional candidates of a gap count the
people of the other organisations who meet the candidate rule (checked person by person, and
in a constructed case); and a registry of one organisation shows none of it.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit.services import audit
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement
from registry.core import periods, tenancy
from registry.core.extensions import db
from registry.core.provenance import read_preamble, strip_preamble
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as gap_rules
from registry.gaps.services import forecast as forecasting
from registry.gaps.services import region as region_sql
from registry.organisations import services as organisations
from registry.organisations.models import Organisation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from tests import factories
from tests.data.registries import PERIOD, D, demo_registry
from tests.support import PASSWORD, login, make_token, parse

H = 90
ACTOR = audit.Actor.system("test")
REGION_URLS = [
    "/region/",
    *(
        f"/region/{part}.{fmt}"
        for part in ("coverage", "providers", "shortages", "candidates")
        for fmt in ("csv", "xlsx")
    ),
]


@dataclass
class Region:
    a: Organisation
    b: Organisation
    c: Organisation

    @property
    def all(self) -> list[Organisation]:
        return [self.a, self.b, self.c]


def within(organisation: Organisation):
    """Act in `organisation`, as its members' requests do."""
    return tenancy.acting_in(tenancy.Scope(organisation.id, several=True))


def three_organisations() -> Region:
    a = db.session.get(Organisation, 1)
    organisations.update(ACTOR, a, "GM0001", "Gemeente Astad", "municipality")
    b = organisations.create(ACTOR, "GM0002", "Gemeente Bstad")
    c = organisations.create(ACTOR, "GM0003", "Gemeente Cstad")
    db.session.commit()
    return Region(a, b, c)


@pytest.fixture
def region(app) -> Region:
    """A, B and C with the demo municipality each (C twice over); in B, Daan holds
    Functional management at 3 too and is assigned to the Zaaksysteem, which covers its
    Functional management there."""
    world = three_organisations()
    with within(world.a):
        demo_registry()
    with within(world.b):
        demo = demo_registry()
        fb = db.session.scalar(select(Competence).where(Competence.code == "FB"))
        factories.make_holding(demo.people["daan0"], fb, level=3)
        factories.make_assignment(demo.people["daan0"], demo.services[0])
        db.session.commit()
    with within(world.c):
        demo_registry(scale=2)
    return world


def member(organisation: Organisation | None, role: str = "auditor"):
    """An account with `role` in `organisation` only (None: in the whole region)."""
    with tenancy.acting_in(tenancy.Scope(1, several=True)):  # made in one, then moved
        user = factories.make_user(role=role, password=PASSWORD)
    user.memberships.clear()
    db.session.flush()
    organisations.grant(ACTOR, user, organisation, role)
    db.session.commit()
    return user


def client_of(app, user):
    client = app.test_client()
    login(client, user)
    return client


# --- the figures equal each organisation's own ------------------------------------------------


def test_region_statement_equals_every_organisations_own_analysis(region):
    # Computed while acting in A: the statement reads every organisation regardless.
    with within(region.a):
        summaries = region_sql.coverage_by_organisation(D, H)
        rows = region_sql.analyse_by_organisation(D, H)
        forecast = forecasting.compute_by_organisation(D, 365)
    assert set(summaries) == {o.id for o in region.all}
    for organisation in region.all:
        with within(organisation):
            own = gaps.analyse(D, H)
            own_forecast = forecasting.compute(D, 365)
        summary = summaries[organisation.id]
        assert summary.requirements == len(own)
        assert summary.counts == gaps.status_counts(own)
        assert summary.coverage == gaps.coverage(own)
        # Every field of every row, not only the counts.
        assert [row for o, row, _n in rows if o == organisation.id] == own
        assert sorted(
            (row for o, row in forecast if o == organisation.id), key=lambda r: r.requirement_id
        ) == sorted(own_forecast, key=lambda r: r.requirement_id)
    # B's extra holder makes a difference, so the comparison is not trivially of copies.
    assert summaries[region.a.id].counts != summaries[region.b.id].counts


def regional_by_hand(as_of: date, horizon: int) -> dict[int, int]:
    """The candidate rule of DESIGN.md person by person over every organisation (the pure
    predicates of `gaps.rules.gaps` on the records): per analysed requirement, the people of
    other organisations employed on D and E, holding C at ≥ L validly on both days, and not
    assigned to its service on D."""
    end = periods.horizon_end(as_of, horizon)
    with tenancy.acting_in(None):  # every organisation
        people = {p.id: p for p in db.session.scalars(select(Person))}
        holdings = list(db.session.scalars(select(Holding)))
        assigned = {
            (a.person_id, a.service_id)
            for a in db.session.scalars(select(Assignment))
            if gap_rules.assignment_active(a, as_of)
        }
        requirements = [
            r
            for r in db.session.scalars(select(Requirement))
            if r.service.status in gap_rules.ANALYSED_SERVICE_STATUSES and not r.competence.retired
        ]
    return {
        r.id: sum(
            1
            for h in holdings
            if h.competence_id == r.competence_id
            and h.level >= r.required_level
            and people[h.person_id].organisation_id != r.organisation_id
            and all(gap_rules.holding_valid(h, day) for day in (as_of, end))
            and all(gap_rules.employed(people[h.person_id], day) for day in (as_of, end))
            and (h.person_id, r.service_id) not in assigned
        )
        for r in requirements
    }


def test_regional_candidates_follow_the_rule_person_by_person(region):
    expected = regional_by_hand(D, H)
    assert sum(expected.values()) > 0
    with within(region.b):
        assert region_sql.regional_candidates(D, H) == expected
        rows = region_sql.analyse_by_organisation(D, H)
        assert {row.requirement_id: n for _o, row, n in rows} == expected
        some = sorted(expected)[:3]
        assert region_sql.regional_candidates(D, H, some) == {r: expected[r] for r in some}


def test_region_page_shows_each_organisations_figures(app, region):
    expected = {}
    for organisation in region.all:
        with within(organisation):
            own = gaps.analyse(D, H)
        expected[organisation.code] = (
            str(len(own)),
            f"{gaps.coverage(own):.1f}",
            {s: str(n) for s, n in gaps.status_counts(own).items()},
        )
    client = client_of(app, member(None))
    response = client.get("/region/", query_string=PERIOD)
    assert response.status_code == 200
    page = parse(response)
    table = page.find("table", id="coverage")
    shown = {}
    for tr in table.find_all("tr", data_organisation=True):
        code = tr.get("data-organisation")
        counts = {
            td.get("data-status-count"): td.text()
            for td in tr.find_all("td", data_status_count=True)
        }
        shown[code] = (tr.get("data-requirements"), tr.get("data-coverage"), counts)
    whole = shown.pop("")
    assert shown == expected
    assert whole[0] == str(sum(int(n) for n, _c, _s in expected.values()))
    # The chart draws one bar per organisation, and the region's other parts are there.
    assert len(page.find("figure", id="coverage-chart").find_all("text")) == 3
    assert page.find("table", id="providers") is not None
    assert page.find("table", id="shortages") is not None
    assert page.find("table", id="regional-candidates") is not None


def test_region_lists_lacking_providers_shortfalls_and_candidates(app, region):
    client = client_of(app, member(None))
    page = parse(client.get("/region/", query_string=PERIOD))
    # Dimpact's Functional management is unassigned in A and C, covered in B (by Daan).
    providers = {
        tr.get("data-provider-gap"): {
            li.get("data-lacking-organisation"): li.get("data-first-short")
            for li in tr.find_all("li")
        }
        for tr in page.find("table", id="providers").find_all("tr", data_provider_gap=True)
    }
    assert providers["Dimpact/FB"] == {"GM0001": D.isoformat(), "GM0003": D.isoformat()}
    # Bram leaves on 2025-07-01: the Zaaksysteem's Contract management falls short then.
    assert providers["Dimpact/CM"] == dict.fromkeys(("GM0001", "GM0002", "GM0003"), "2025-07-01")
    shortages = {
        tr.get("data-shortage")
        for tr in page.find("table", id="shortages").find_all("tr", data_shortage=True)
    }
    assert {
        "GM0001/zaaksysteem-0/CM",
        "GM0002/zaaksysteem-0/CM",
        "GM0003/zaaksysteem-1/CM",
    } <= shortages
    # A's Functional management gap: B's Carla and Daan (assigned to B's Zaaksysteem: still a
    # candidate for A's), and C's two Carlas are candidates.
    row = page.find("tr", data_gap="GM0001/zaaksysteem-0/FB")
    assert row.get("data-regional") == "4"
    names = {li.get("data-candidate") for li in row.find_all("li")}
    assert len(names) == 4 and {n.split("/")[0] for n in names} == {"GM0002", "GM0003"}


def test_region_downloads_hold_the_same_figures_dated(app, region):
    client = client_of(app, member(None))
    page = parse(client.get("/region/", query_string=PERIOD))
    response = client.get("/region/coverage.csv", query_string=PERIOD)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    preamble = read_preamble(text)
    assert preamble["export"] == "region coverage" and preamble["as_of"] == D.isoformat()
    rows = list(csv.reader(io.StringIO(strip_preamble(text).lstrip("\ufeff"))))
    body = {r[0]: r for r in rows[1:]}
    for tr in page.find("table", id="coverage").find_all("tr", data_organisation=True):
        code = tr.get("data-organisation")
        assert body[code][2] == tr.get("data-requirements")
        assert body[code][-1] == tr.get("data-coverage")
    candidates = client.get("/region/candidates.xlsx", query_string=PERIOD)
    sheet = load_workbook(io.BytesIO(candidates.data)).worksheets[0]
    values = [[cell.value for cell in r] for r in sheet.iter_rows()]
    found = {(r[0], r[2], r[4]): r[10] for r in values[1:]}
    assert found[("GM0001", "zaaksysteem-0", "FB")] == 4
    for part in ("providers", "shortages"):
        response = client.get(f"/region/{part}.csv", query_string=PERIOD)
        assert response.status_code == 200
        assert len(strip_preamble(response.get_data(as_text=True)).splitlines()) > 1


# --- who sees the region view --------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "editor", "manager", "auditor"])
def test_a_member_of_one_organisation_gets_404(app, region, role):
    client = client_of(app, member(region.a, role))
    for url in REGION_URLS:
        assert client.get(url).status_code == 404, url
    home = client.get("/").get_data(as_text=True)
    assert 'href="/region/"' not in home


def test_a_member_of_every_organisation_one_by_one_is_no_region_member(app, region):
    user = member(region.a)
    for organisation in (region.b, region.c):
        organisations.grant(ACTOR, user, organisation, "admin")
    db.session.commit()
    client = client_of(app, user)
    assert client.get("/region/").status_code == 404


def test_region_members_have_the_link(app, region):
    client = client_of(app, member(None, "manager"))
    home = parse(client.get("/"))
    links = [a for a in home.find("nav").find_all("a") if a.get("href") == "/region/"]
    assert len(links) == 1
    page = client.get("/region/")
    assert 'aria-current="page"' in page.get_data(as_text=True)


def test_visitors_are_sent_to_log_in(client, region):
    response = client.get("/region/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the candidates in the region, constructed -------------------------------------------------


@dataclass
class Case:
    region: Region
    requirement_id: int


@pytest.fixture
def case(app) -> Case:
    """A's service needs competence X at level 3 and has nobody: a gap. A's own Olga holds X
    (an own candidate, not a regional one). Of B and C:

    - counts: Bea (X 3), assigned to a service of B; Cor (X 5);
    - does not count: Bas (X 2, too low), Ben (leaves before the horizon), Bob (assessment
      expires before the horizon), Cas (assessed only after D), Sec (B's, holds X 4 but is
      seconded to A's service itself: assigned to it, so no candidate)."""
    world = three_organisations()
    x = factories.make_competence(code="X", name="Regie")
    with within(world.a):
        service = factories.make_service(code="dienst")
        requirement = factories.make_requirement(service, x, required_level=3, min_holders=1)
        factories.make_holding(factories.make_person(name="Olga"), x, level=4)
    with within(world.b):
        bea = factories.make_person(name="Bea")
        factories.make_holding(bea, x, level=3)
        factories.make_assignment(bea, factories.make_service(code="eigen"))
        factories.make_holding(factories.make_person(name="Bas"), x, level=2)
        ben = factories.make_person(name="Ben", leave_date=date(2025, 7, 1))
        factories.make_holding(ben, x, level=4)
        factories.make_holding(
            factories.make_person(name="Bob"), x, level=4, expires_on=date(2025, 8, 1)
        )
        sec = factories.make_person(name="Sec")
        factories.make_holding(sec, x, level=4)
        factories.make_assignment(sec, service)  # a secondment to A's service
    with within(world.c):
        factories.make_holding(factories.make_person(name="Cor"), x, level=5)
        factories.make_holding(
            factories.make_person(name="Cas"), x, level=4, assessed_on=date(2025, 6, 2)
        )
    db.session.commit()
    return Case(world, requirement.id)


def test_regional_candidates_count_others_who_meet_the_rule(case):
    with within(case.region.a):
        (row,) = gaps.analyse(D, H)
        regional = region_sql.regional_candidates(D, H, [case.requirement_id])
        people = region_sql.regional_candidate_people([case.requirement_id], D, H)
    assert row.status == "unassigned" and row.candidates == 1  # Olga, A's own
    assert regional == {case.requirement_id: 2}
    assert sorted(p.name for p in people[case.requirement_id]) == ["Bea", "Cor"]
    # The whole region's statements give the same number.
    assert region_sql.regional_candidates(D, H)[case.requirement_id] == 2
    (gap,) = region_sql.analyse_by_organisation(D, H, statuses=("unassigned",))
    assert (gap[0], gap[1], gap[2]) == (case.region.a.id, row, 2)


def test_everyone_who_sees_the_gap_sees_the_number_but_not_the_names(app, case):
    client = client_of(app, member(case.region.a, "manager"))
    client.post("/language", data={"lang": "en"})
    page = parse(client.get("/reports/gaps", query_string=PERIOD))
    row = page.find("tr", data_requirement="dienst/X")
    assert row.find("td", data_regional_candidates=True).text() == "2"
    headers = [th.text() for th in page.find("table", id="gaps").find_all("th", scope="col")]
    assert headers[headers.index("Candidates") + 1] == "Regional candidates"
    assert "Bea" not in page.text() and "Cor" not in page.text()
    # The export and the API carry the number too.
    exported = client.get("/reports/gaps.csv", query_string=PERIOD).get_data(as_text=True)
    header, *body = csv.reader(io.StringIO(strip_preamble(exported).lstrip("\ufeff")))
    assert header[header.index("Candidates") + 1] == "Regional candidates"
    assert [r[header.index("Regional candidates")] for r in body] == ["2"]
    api = app.test_client()
    token = make_token(member(case.region.a, "auditor"), "read")
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    records = api.get("/api/v1/gaps", query_string=PERIOD).get_json()
    assert [(r["service"], r["regional_candidates"]) for r in records] == [("dienst", 2)]


def test_the_cli_json_gives_the_number_too(runner, case):
    result = runner.invoke(
        args=["gaps", "--organisation", "GM0001", "--as-of", D.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    assert record["regional_candidates"] == 2


# --- one organisation: nothing changes ---------------------------------------------------------


def test_a_registry_of_one_organisation_has_no_region(app, client_as, users):
    demo_registry()
    for role in ("admin", "auditor"):
        client = client_as(role)
        home = client.get("/").get_data(as_text=True)
        assert "/region/" not in home
        for url in REGION_URLS:
            assert client.get(url).status_code == 404, url
    client = client_as("manager")
    page = client.get("/reports/gaps", query_string=PERIOD).get_data(as_text=True)
    assert "data-regional-candidates" not in page and "regional-candidates-note" not in page
    exported = client.get("/reports/gaps.csv", query_string=PERIOD).get_data(as_text=True)
    assert len(next(csv.reader(io.StringIO(strip_preamble(exported).lstrip("\ufeff"))))) == 19
