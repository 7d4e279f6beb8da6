"""The boundaries of DESIGN.md's gap rules, one row per boundary, on the pure reference
implementation. `tests/unit/test_gaps_sql.py` runs the same table through the SQL implementation.

Every case starts from one registry: service `svc` (active, medium) requires competence `comp`
at level 3 from `min_holders` 1; person 1 is employed, assigned to `svc` and holds `comp` at
level 3, assessed long ago. A case changes one thing and names the figures it expects.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from registry.gaps.rules import gaps as rules
from tests.data.gap_cases import CASES, Case, D, E, H, day, registry_for


def figures(gap) -> tuple:
    return gap.holders_now, gap.holders_at_horizon, gap.candidates, gap.status


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_boundary(case):
    gaps = rules.compute_gaps(registry_for(case), D, H)
    if case.expected is None:
        assert gaps == []
        return
    (gap,) = gaps
    assert figures(gap) == case.expected
    assert gap.severity == rules.SEVERITY[case.expected[3]]
    assert gap.risk == gap.severity * rules.CRITICALITY_WEIGHT["medium"]
    assert gap.contract_ending is case.contract_ending


@pytest.mark.parametrize(
    ("now", "later", "minimum", "status"),
    [
        (0, 0, 1, rules.UNASSIGNED),
        (0, 5, 1, rules.UNASSIGNED),  # rule 1 wins even when the knowledge arrives later
        (1, 0, 1, rules.LEAVING),
        (5, 0, 3, rules.LEAVING),
        (1, 1, 2, rules.UNDERCOVERED),
        (2, 1, 2, rules.UNDERCOVERED),
        (1, 2, 2, rules.UNDERCOVERED),
        (2, 2, 2, rules.COVERED),
        (3, 4, 3, rules.COVERED),
    ],
)
def test_status_rules_in_order(now, later, minimum, status):
    assert rules.status_of(now, later, minimum) == status


def test_report_order_is_severity_then_service_then_competence():
    registry = rules.Registry(
        people=(rules.Person(1),),
        services=(rules.Service(1, "b-svc"), rules.Service(2, "a-svc")),
        competences=(rules.Competence(1, "y"), rules.Competence(2, "x")),
        requirements=(
            rules.Requirement(1, 1, 1, 1, 1),
            rules.Requirement(2, 1, 2, 1, 1),
            rules.Requirement(3, 2, 1, 1, 1),
            rules.Requirement(4, 2, 2, 1, 1),
        ),
        assignments=(rules.Assignment(1, 1),),
        holdings=(rules.Holding(1, 2, 1),),
    )
    gaps = rules.compute_gaps(registry, D, H)
    assert [(g.service_code, g.competence_code, g.status) for g in gaps] == [
        ("a-svc", "x", rules.UNASSIGNED),
        ("a-svc", "y", rules.UNASSIGNED),
        ("b-svc", "y", rules.UNASSIGNED),
        ("b-svc", "x", rules.COVERED),
    ]


def test_risk_is_severity_times_criticality():
    for criticality, weight in rules.CRITICALITY_WEIGHT.items():
        case = Case("", service={"criticality": criticality}, person={"leave_date": D})
        (gap,) = rules.compute_gaps(registry_for(case), D, H)
        assert gap.risk == 3 * weight


def test_coverage_is_covered_over_all():
    base = registry_for(CASES[0])
    (gap,) = rules.compute_gaps(base, D, H)
    assert rules.coverage([gap]) == 100.0
    assert rules.coverage([gap, replace(gap, status=rules.LEAVING)]) == 50.0
    assert rules.coverage([]) is None


def test_key_person_is_whoever_alone_keeps_the_status():
    registry = registry_for(CASES[0])
    assert rules.key_people(registry, D, H) == {1}
    doubled = registry_for(Case("", requirement={"min_holders": 1}, extra_holders=1))
    assert rules.key_people(doubled, D, H) == set()  # either one can leave: still covered


def test_key_person_includes_someone_qualified_only_at_the_horizon():
    # Person 1 leaves within the horizon; person 10 joins the service next week. Without
    # person 10 the requirement would be `leaving` instead of `covered`.
    base = registry_for(Case("", person={"leave_date": day(5)}))
    newcomer = rules.Person(10, start_date=date(2020, 1, 1), name="Newcomer")
    registry = replace(
        base,
        people=base.people + (newcomer,),
        assignments=base.assignments + (rules.Assignment(10, 1, start_on=day(7)),),
        holdings=base.holdings + (rules.Holding(10, 1, 4, assessed_on=date(2024, 1, 1)),),
    )
    (gap,) = rules.compute_gaps(registry, D, H)
    assert figures(gap) == (1, 1, 1, rules.COVERED)
    assert rules.key_people(registry, D, H) == {1, 10}


def test_what_if_departure_shows_worsened_requirement_without_changing_input():
    registry = registry_for(CASES[0])
    result = rules.what_if(registry, D, H, {1: day(10)})
    ((before, after),) = result.worsened
    assert (before.status, after.status) == (rules.COVERED, rules.LEAVING)
    assert (result.coverage_before, result.coverage_after) == (100.0, 0.0)
    assert registry == registry_for(CASES[0])


def test_what_if_later_than_the_real_leave_date_changes_nothing():
    registry = registry_for(Case("", person={"leave_date": day(3)}))
    assert rules.what_if(registry, D, H, {1: day(20)}).worsened == []


def test_what_if_assignment_end():
    registry = registry_for(CASES[0])
    ((_, after),) = rules.what_if(registry, D, H, assignment_ends={(1, 1): D}).worsened
    assert figures(after) == (0, 0, 1, rules.UNASSIGNED)


def test_suggestions_candidates_first_then_training_by_level():
    base = registry_for(Case("", other_holder={"level": 4}))
    trainees = (
        rules.Person(30, start_date=date(2020, 1, 1), name="Trainee 2"),
        rules.Person(31, start_date=date(2020, 1, 1), name="Trainee 1"),
        rules.Person(32, start_date=date(2020, 1, 1), leave_date=E, name="Leaving"),
    )
    registry = replace(
        base,
        people=base.people + trainees,
        holdings=base.holdings
        + (rules.Holding(30, 1, 2), rules.Holding(31, 1, 1), rules.Holding(32, 1, 2)),
    )
    suggested = rules.suggestions(registry, 1, D, H)
    assert [(s.person_id, s.kind, s.level) for s in suggested] == [
        (20, "candidate", 4),
        (30, "training", 2),
        (31, "training", 1),
    ]


def test_suggestions_prefer_the_org_unit_of_the_current_holders():
    base = registry_for(CASES[0])
    people = (
        replace(base.people[0], org_unit_id=7),
        rules.Person(40, start_date=date(2020, 1, 1), name="A", org_unit_id=8),
        rules.Person(41, start_date=date(2020, 1, 1), name="B", org_unit_id=7),
    )
    registry = replace(
        base,
        people=people,
        holdings=base.holdings + (rules.Holding(40, 1, 2), rules.Holding(41, 1, 2)),
    )
    suggested = rules.suggestions(registry, 1, D, H)
    assert [(s.person_id, s.shares_org_unit) for s in suggested] == [(41, True), (40, False)]


@pytest.mark.parametrize(
    ("assessed", "stale"),
    [(None, False), (D - timedelta(days=730), False), (D - timedelta(days=731), True)],
)
def test_stale_assessment(assessed, stale):
    assert rules.stale(rules.Holding(1, 1, 3, assessed_on=assessed), D) is stale
