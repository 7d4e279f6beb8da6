"""The gap rules of DESIGN.md, as a pure reference implementation.

Plain data in, plain data out: no Flask, no SQLAlchemy. The set-based SQL in
`registry.gaps.services` must agree with this module on every field (a property test checks).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from registry.core.periods import DEFAULT_HORIZON, horizon_end

STALE_DAYS = 730

UNASSIGNED, LEAVING, UNDERCOVERED, COVERED = "unassigned", "leaving", "undercovered", "covered"
STATUSES = (UNASSIGNED, LEAVING, UNDERCOVERED, COVERED)
SEVERITY = {UNASSIGNED: 3, LEAVING: 2, UNDERCOVERED: 1, COVERED: 0}
CRITICALITY_WEIGHT = {"low": 1, "medium": 2, "high": 3, "critical": 4}
ANALYSED_SERVICE_STATUSES = ("planned", "active")


@dataclass(frozen=True)
class Person:
    id: int
    start_date: date | None = None
    leave_date: date | None = None
    name: str = ""
    org_unit_id: int | None = None


@dataclass(frozen=True)
class Service:
    id: int
    code: str
    status: str = "active"
    criticality: str = "medium"
    contract_end: date | None = None


@dataclass(frozen=True)
class Competence:
    id: int
    code: str
    retired: bool = False


@dataclass(frozen=True)
class Requirement:
    id: int
    service_id: int
    competence_id: int
    required_level: int
    min_holders: int = 2


@dataclass(frozen=True)
class Assignment:
    person_id: int
    service_id: int
    start_on: date | None = None
    end_on: date | None = None


@dataclass(frozen=True)
class Holding:
    person_id: int
    competence_id: int
    level: int
    assessed_on: date | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class Registry:
    """Everything the rules read."""

    people: tuple[Person, ...] = ()
    services: tuple[Service, ...] = ()
    competences: tuple[Competence, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    holdings: tuple[Holding, ...] = ()


@dataclass(frozen=True)
class Gap:
    """The analysis of one requirement."""

    requirement_id: int
    service_id: int
    competence_id: int
    service_code: str
    competence_code: str
    required_level: int
    min_holders: int
    holders_now: int
    holders_at_horizon: int
    candidates: int
    status: str
    severity: int
    risk: int
    contract_ending: bool


@dataclass(frozen=True)
class Suggestion:
    """A possible successor for a gap: a candidate, or someone who needs training."""

    person_id: int
    level: int
    kind: str  # "candidate" or "training"
    shares_org_unit: bool = False


@dataclass(frozen=True)
class WhatIf:
    worsened: list[tuple[Gap, Gap]] = field(default_factory=list)
    coverage_before: float | None = None
    coverage_after: float | None = None


# --- the predicates of DESIGN.md -------------------------------------------------------------


def employed(person: Person, day: date) -> bool:
    return (person.start_date is None or person.start_date <= day) and (
        person.leave_date is None or person.leave_date > day
    )


def assignment_active(assignment: Assignment, day: date) -> bool:
    return (assignment.start_on is None or assignment.start_on <= day) and (
        assignment.end_on is None or assignment.end_on > day
    )


def holding_valid(holding: Holding, day: date) -> bool:
    return (holding.assessed_on is None or holding.assessed_on <= day) and (
        holding.expires_on is None or holding.expires_on > day
    )


def status_of(now: int, later: int, min_holders: int) -> str:
    """The first rule that matches, in DESIGN.md's order."""
    if now == 0:
        return UNASSIGNED
    if later == 0:
        return LEAVING
    if min(now, later) < min_holders:
        return UNDERCOVERED
    return COVERED


def contract_ends_within(contract_end: date | None, as_of: date, end: date) -> bool:
    """DESIGN's contract signal, as issue 12 narrowed it: the contract ends within [D, E].
    A contract that ended before D is not "ending" (the dashboard lists those apart)."""
    return contract_end is not None and as_of <= contract_end <= end


def contract_ending(service: Service, as_of: date, horizon: int) -> bool:
    return contract_ends_within(service.contract_end, as_of, horizon_end(as_of, horizon))


class _Index:
    """Lookups over a registry, built once per analysis."""

    def __init__(self, registry: Registry):
        self.people = {p.id: p for p in registry.people}
        self.services = {s.id: s for s in registry.services}
        self.competences = {c.id: c for c in registry.competences}
        self.assignments_by_service: dict[int, list[Assignment]] = {}
        for a in registry.assignments:
            self.assignments_by_service.setdefault(a.service_id, []).append(a)
        self.holdings_by_competence: dict[int, list[Holding]] = {}
        for h in registry.holdings:
            self.holdings_by_competence.setdefault(h.competence_id, []).append(h)

    def assigned(self, service_id: int, day: date) -> set[int]:
        return {
            a.person_id
            for a in self.assignments_by_service.get(service_id, ())
            if assignment_active(a, day)
        }

    def holders(self, competence_id: int, level: int, day: date) -> set[int]:
        """People employed on `day` holding the competence, valid on `day`, at ≥ level."""
        return {
            h.person_id
            for h in self.holdings_by_competence.get(competence_id, ())
            if h.level >= level
            and holding_valid(h, day)
            and h.person_id in self.people
            and employed(self.people[h.person_id], day)
        }


def analysed(registry: Registry) -> list[Requirement]:
    """Requirements of planned or active services whose competence is not retired."""
    services = {s.id: s for s in registry.services}
    competences = {c.id: c for c in registry.competences}
    return [
        r
        for r in registry.requirements
        if services[r.service_id].status in ANALYSED_SERVICE_STATUSES
        and not competences[r.competence_id].retired
    ]


def qualified(index: _Index, requirement: Requirement, day: date) -> set[int]:
    """People qualified on `day`: employed, assigned to the service, holding C at ≥ L."""
    return index.assigned(requirement.service_id, day) & index.holders(
        requirement.competence_id, requirement.required_level, day
    )


def _candidates(index: _Index, requirement: Requirement, as_of: date, end: date) -> set[int]:
    c, level = requirement.competence_id, requirement.required_level
    return (index.holders(c, level, as_of) & index.holders(c, level, end)) - index.assigned(
        requirement.service_id, as_of
    )


def _gap(index: _Index, requirement: Requirement, as_of: date, horizon: int) -> Gap:
    end = horizon_end(as_of, horizon)
    now = len(qualified(index, requirement, as_of))
    later = len(qualified(index, requirement, end))
    status = status_of(now, later, requirement.min_holders)
    service = index.services[requirement.service_id]
    severity = SEVERITY[status]
    return Gap(
        requirement_id=requirement.id,
        service_id=requirement.service_id,
        competence_id=requirement.competence_id,
        service_code=service.code,
        competence_code=index.competences[requirement.competence_id].code,
        required_level=requirement.required_level,
        min_holders=requirement.min_holders,
        holders_now=now,
        holders_at_horizon=later,
        candidates=len(_candidates(index, requirement, as_of, end)),
        status=status,
        severity=severity,
        risk=severity * CRITICALITY_WEIGHT[service.criticality],
        contract_ending=contract_ending(service, as_of, horizon),
    )


def sort_key(gap: Gap) -> tuple[int, str, str]:
    """Severity (worst first), then service code, then competence code."""
    return (-gap.severity, gap.service_code, gap.competence_code)


def compute_gaps(registry: Registry, as_of: date, horizon: int = DEFAULT_HORIZON) -> list[Gap]:
    """Every analysed requirement with its figures and status, in report order."""
    index = _Index(registry)
    return sorted((_gap(index, r, as_of, horizon) for r in analysed(registry)), key=sort_key)


def coverage(gaps: Iterable[Gap]) -> float | None:
    """Covered requirements ÷ requirements, as a percentage (None when there are none)."""
    gaps = list(gaps)
    if not gaps:
        return None
    return 100.0 * sum(g.status == COVERED for g in gaps) / len(gaps)


def qualified_people(registry: Registry, requirement_id: int, day: date) -> set[int]:
    """The ids of the people qualified for one requirement on `day`."""
    requirement = next(r for r in registry.requirements if r.id == requirement_id)
    return qualified(_Index(registry), requirement, day)


def what_if(
    registry: Registry,
    as_of: date,
    horizon: int = DEFAULT_HORIZON,
    departures: dict[int, date] | None = None,
    assignment_ends: dict[tuple[int, int], date] | None = None,
) -> WhatIf:
    """Hypothetical leave dates (person → date) and assignment ends ((person, service) → date):
    every requirement whose status worsens, and the coverage before and after."""
    departures = departures or {}
    assignment_ends = assignment_ends or {}
    people = tuple(
        replace(p, leave_date=_earlier(p.leave_date, departures[p.id])) if p.id in departures else p
        for p in registry.people
    )
    assignments = tuple(
        replace(a, end_on=_earlier(a.end_on, assignment_ends[(a.person_id, a.service_id)]))
        if (a.person_id, a.service_id) in assignment_ends
        else a
        for a in registry.assignments
    )
    changed = replace(registry, people=people, assignments=assignments)
    before = compute_gaps(registry, as_of, horizon)
    after = {g.requirement_id: g for g in compute_gaps(changed, as_of, horizon)}
    worsened = [
        (g, after[g.requirement_id])
        for g in before
        if after[g.requirement_id].severity > g.severity
    ]
    return WhatIf(worsened, coverage(before), coverage(after.values()))


def _earlier(current: date | None, hypothetical: date) -> date:
    return hypothetical if current is None else min(current, hypothetical)


def key_people(registry: Registry, as_of: date, horizon: int = DEFAULT_HORIZON) -> set[int]:
    """People whose departure on D alone would lower the status of at least one requirement.

    Only people qualified for some requirement on D or on E can change a status. Both days
    count: someone who joins a service next month is all that keeps it from `leaving` when
    today's holder retires within the horizon, so losing them today lowers the status too."""
    index = _Index(registry)
    end = horizon_end(as_of, horizon)
    result: set[int] = set()
    for requirement in analysed(registry):
        people = qualified(index, requirement, as_of) | qualified(index, requirement, end)
        for person_id in sorted(people - result):
            if what_if(registry, as_of, horizon, {person_id: as_of}).worsened:
                result.add(person_id)
    return result


def suggestions(
    registry: Registry, requirement_id: int, as_of: date, horizon: int = DEFAULT_HORIZON
) -> list[Suggestion]:
    """Successors for a gap: first the candidates, then employed people not leaving within the
    horizon who hold C below L (they need training). Within each group: highest level first,
    then people sharing an org unit with the current holders."""
    index = _Index(registry)
    requirement = next(r for r in registry.requirements if r.id == requirement_id)
    end = horizon_end(as_of, horizon)
    current_units = {index.people[p].org_unit_id for p in qualified(index, requirement, as_of)}
    current_units.discard(None)
    levels = {
        h.person_id: h.level
        for h in index.holdings_by_competence.get(requirement.competence_id, ())
        if holding_valid(h, as_of)
    }
    candidate_ids = _candidates(index, requirement, as_of, end)
    trainees = {
        p
        for p, level in levels.items()
        if level < requirement.required_level
        and p in index.people
        and employed(index.people[p], as_of)
        and employed(index.people[p], end)
    }

    def make(person_id: int, kind: str) -> Suggestion:
        person = index.people[person_id]
        return Suggestion(person_id, levels[person_id], kind, person.org_unit_id in current_units)

    def order(s: Suggestion) -> tuple[int, bool, str, int]:
        return (-s.level, not s.shares_org_unit, index.people[s.person_id].name, s.person_id)

    return sorted((make(p, "candidate") for p in candidate_ids), key=order) + sorted(
        (make(p, "training") for p in trainees), key=order
    )


def stale(holding: Holding, as_of: date, days: int = STALE_DAYS) -> bool:
    """An assessment more than `days` days before D (a warning; it does not change status)."""
    return holding.assessed_on is not None and holding.assessed_on < as_of - timedelta(days=days)
