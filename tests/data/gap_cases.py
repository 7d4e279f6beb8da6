"""The boundaries of DESIGN.md's gap rules, one row per boundary: run through the pure rules
(`tests/unit/test_gap_rules.py`) and the SQL (`tests/unit/test_gaps_sql.py`).

Every case starts from one registry: service `svc` (active, medium) requires competence `comp`
at level 3 from `min_holders` 1; person 1 is employed, assigned to `svc` and holds `comp` at
level 3, assessed long ago. A case changes one thing and names the figures it expects.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from registry.gaps.rules import gaps as rules

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
    Case("contract ended before D", service={"contract_end": day(-1)}, contract_ending=False),
    Case("contract ending on D", service={"contract_end": D}, contract_ending=True),
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
