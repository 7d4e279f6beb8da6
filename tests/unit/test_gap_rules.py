"""The boundaries of DESIGN.md's gap rules, one row per boundary, on the pure reference
implementation. `tests/test_gaps_sql.py` runs the same table through the SQL implementation.

Every case starts from one registry: service `svc` (active, medium) requires competence `comp`
at level 3 from `min_holders` 1; person 1 is employed, assigned to `svc` and holds `comp` at
level 3, assessed long ago. A case changes one thing and names the figures it expects.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest

from registry.domain import gaps as rules

D = date(2025, 6, 2)
H = 30
E = D + timedelta(days=H)  # 2025-07-02


def day(offset: int) -> date:
    return D + timedelta(days=offset)


@dataclass(frozen=True)
class Case:
    """One boundary: changes to the base registry and the expected figures of `svc`×`comp`
    (None: the requirement is not analysed)."""

    name: str
    person: dict = field(default_factory=dict)
    assignment: dict | None = field(default_factory=dict)  # None: person 1 is not assigned
    holding: dict = field(default_factory=dict)
    service: dict = field(default_factory=dict)
    competence: dict = field(default_factory=dict)
    requirement: dict = field(default_factory=dict)
    extra_holders: int = 0  # more people like person 1, assigned and qualified throughout
    other_holder: dict | None = None  # a person holding `comp` but assigned elsewhere
    expected: tuple | None = (1, 1, 0, rules.COVERED)  # now, later, candidates, status
    contract_ending: bool = False


CASES = [
    Case("base: qualified on D and E"),
    Case(
        "leave date on D: gone today",
        person={"leave_date": D},
        expected=(0, 0, 0, rules.UNASSIGNED),
    ),
    Case(
        "leave date the day after D",
        person={"leave_date": day(1)},
        expected=(1, 0, 0, rules.LEAVING),
    ),
    Case(
        "leave date on E: gone at the horizon",
        person={"leave_date": E},
        expected=(1, 0, 0, rules.LEAVING),
    ),
    Case("leave date the day after E", person={"leave_date": day(H + 1)}),
    Case(
        "start inside the horizon",
        person={"start_date": day(10)},
        expected=(0, 1, 0, rules.UNASSIGNED),
    ),
    Case("start on D", person={"start_date": D}),
    Case("start on E", person={"start_date": E}, expected=(0, 1, 0, rules.UNASSIGNED)),
    Case(
        "assignment ending on D (then a candidate)",
        assignment={"end_on": D},
        expected=(0, 0, 1, rules.UNASSIGNED),
    ),
    Case("assignment ending on E", assignment={"end_on": E}, expected=(1, 0, 0, rules.LEAVING)),
    Case("assignment ending after E", assignment={"end_on": day(H + 1)}),
    Case(
        "assignment starting in the future (a candidate today)",
        assignment={"start_on": day(1)},
        expected=(0, 1, 1, rules.UNASSIGNED),
    ),
    Case("assignment starting on D", assignment={"start_on": D}),
    Case(
        "assignment starting after E",
        assignment={"start_on": day(H + 1)},
        expected=(0, 0, 1, rules.UNASSIGNED),
    ),
    Case(
        "not assigned: knowledge elsewhere is a candidate",
        assignment=None,
        expected=(0, 0, 1, rules.UNASSIGNED),
    ),
    Case(
        "holding expiring on D",
        holding={"assessed_on": day(-400), "expires_on": D},
        expected=(0, 0, 0, rules.UNASSIGNED),
    ),
    Case("holding expiring on E", holding={"expires_on": E}, expected=(1, 0, 0, rules.LEAVING)),
    Case("holding expiring after E", holding={"expires_on": day(H + 1)}),
    Case("assessed after D", holding={"assessed_on": day(1)}, expected=(0, 1, 0, rules.UNASSIGNED)),
    Case("assessed on D", holding={"assessed_on": D}),
    Case(
        "assessed after E",
        holding={"assessed_on": day(H + 1)},
        expected=(0, 0, 0, rules.UNASSIGNED),
    ),
    Case("level exactly L", holding={"level": 3}),
    Case("level above L", holding={"level": 5}),
    Case("level L-1", holding={"level": 2}, expected=(0, 0, 0, rules.UNASSIGNED)),
    Case("retired service is not analysed", service={"status": "retired"}, expected=None),
    Case("planned service is analysed", service={"status": "planned"}),
    Case("retired competence is not analysed", competence={"retired": True}, expected=None),
    Case("min_holders 1, one holder", requirement={"min_holders": 1}),
    Case(
        "min_holders 3, one holder",
        requirement={"min_holders": 3},
        expected=(1, 1, 0, rules.UNDERCOVERED),
    ),
    Case(
        "min_holders 3, two holders",
        requirement={"min_holders": 3},
        extra_holders=1,
        expected=(2, 2, 0, rules.UNDERCOVERED),
    ),
    Case(
        "min_holders 3, three holders",
        requirement={"min_holders": 3},
        extra_holders=2,
        expected=(3, 3, 0, rules.COVERED),
    ),
    Case(
        "min_holders 3, three now and two later",
        requirement={"min_holders": 3},
        extra_holders=2,
        person={"leave_date": day(5)},
        expected=(3, 2, 0, rules.UNDERCOVERED),
    ),
    Case(
        "holder of another service is a candidate",
        other_holder={},
        expected=(1, 1, 1, rules.COVERED),
    ),
    Case("other holder leaving on E is no candidate", other_holder={"leave_date": E}),
    Case("other holder whose holding expires on E is no candidate", other_holder={"expires_on": E}),
    Case("other holder below L is no candidate", other_holder={"level": 2}),
    Case(
        "other holder starting inside the horizon is no candidate",
        other_holder={"start_date": day(1)},
    ),
    Case("contract ending on E", service={"contract_end": E}, contract_ending=True),
    Case("contract ending after E", service={"contract_end": day(H + 1)}),
    Case("contract ended before D", service={"contract_end": day(-1)}, contract_ending=True),
]


def registry_for(case: Case) -> rules.Registry:
    """The base registry with the case's changes, as plain domain data."""
    service = replace(rules.Service(1, "svc", "active", "medium"), **case.service)
    other_service = rules.Service(2, "other", "active", "low")
    competence = replace(rules.Competence(1, "comp"), **case.competence)
    requirement = replace(
        rules.Requirement(1, 1, 1, required_level=3, min_holders=1), **case.requirement
    )
    base_person = rules.Person(1, start_date=date(2020, 1, 1), name="Person 1")
    people = [replace(base_person, **case.person)]
    assignments = (
        []
        if case.assignment is None
        else [replace(rules.Assignment(1, 1, start_on=date(2024, 1, 1)), **case.assignment)]
    )
    holdings = [replace(rules.Holding(1, 1, 3, assessed_on=date(2024, 1, 1)), **case.holding)]
    for n in range(case.extra_holders):
        pid = 10 + n
        people.append(replace(base_person, id=pid, name=f"Person {pid}"))
        assignments.append(rules.Assignment(pid, 1, start_on=date(2024, 1, 1)))
        holdings.append(rules.Holding(pid, 1, 3, assessed_on=date(2024, 1, 1)))
    if case.other_holder is not None:
        person_fields = {
            k: v for k, v in case.other_holder.items() if k in ("start_date", "leave_date")
        }
        holding_fields = {
            k: v for k, v in case.other_holder.items() if k in ("level", "expires_on")
        }
        people.append(replace(base_person, id=20, name="Other", **person_fields))
        assignments.append(rules.Assignment(20, 2, start_on=date(2024, 1, 1)))
        holdings.append(
            replace(rules.Holding(20, 1, 3, assessed_on=date(2024, 1, 1)), **holding_fields)
        )
    return rules.Registry(
        people=tuple(people),
        services=(service, other_service),
        competences=(competence,),
        requirements=(requirement,),
        assignments=tuple(assignments),
        holdings=tuple(holdings),
    )


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
