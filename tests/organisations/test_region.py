"""The region view and the candidates in the region (DESIGN.md, "Region").

Three organisations, A (GM0001, the registry's first), B and C, each filled with the small
demo municipality of `tests/data/registries.py` (C twice over; in B, Daan covers Functional
management), looked at on its fixed day D: the region's figures, computed by statements over
every organisation at once, must equal each organisation's own analysis; only members of the
region see the region view (anyone else: 404); the regional candidates of a gap count the
people of the other organisations who meet the candidate rule (checked person by person, and
in a constructed case); and a registry of one organisation shows none of it.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.services import audit
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement
from registry.core import periods, tenancy
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as gap_rules
from registry.gaps.services import forecast as forecasting
from registry.gaps.services import region as region_sql
from registry.organisations import services as organisations
from registry.organisations.models import Organisation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from tests import factories
from tests.data.registries import D, demo_registry

H = 90
ACTOR = audit.Actor.system("test")


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
