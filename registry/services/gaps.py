"""Gap analysis on the database: the figures every page, the CLI and the API show.

This first version loads the registry in a fixed number of queries and applies the pure rules
of `registry.domain.gaps`. The public functions and dataclasses here are the stable interface;
the set-based SQL implementation replaces their bodies without changing their signatures.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.domain import gaps as rules
from registry.extensions import db
from registry.models import (
    Assignment,
    Competence,
    Framework,
    Holding,
    Person,
    Provider,
    Requirement,
    Service,
)


@dataclass(frozen=True)
class GapFilter:
    """Filters of the gap list; empty means no restriction."""

    statuses: tuple[str, ...] = ()
    service_ids: tuple[int, ...] = ()
    provider_ids: tuple[int, ...] = ()
    criticalities: tuple[str, ...] = ()
    framework_ids: tuple[int, ...] = ()
    areas: tuple[str, ...] = ()
    competence_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class GapRow:
    """One analysed requirement with everything a page or report shows about it."""

    requirement_id: int
    service_id: int
    service_code: str
    service_name: str
    service_status: str
    criticality: str
    provider_id: int | None
    provider_name: str | None
    contract_end: date | None
    contract_ending: bool
    competence_id: int
    competence_code: str
    competence_name: str
    framework_id: int | None
    framework_name: str | None
    area: str | None
    required_level: int
    min_holders: int
    holders_now: int
    holders_at_horizon: int
    candidates: int
    status: str
    severity: int
    risk: int


@dataclass(frozen=True)
class Holder:
    """A person qualified for a requirement on some day."""

    person_id: int
    employee_number: str
    name: str
    level: int


@dataclass(frozen=True)
class SuggestedPerson:
    person_id: int
    employee_number: str
    name: str
    level: int
    kind: str  # "candidate" or "training"
    shares_org_unit: bool


@dataclass
class WhatIfResult:
    worsened: list[tuple[GapRow, GapRow]] = field(default_factory=list)
    coverage_before: float | None = None
    coverage_after: float | None = None


def resolve(as_of: date | None, horizon: int | None) -> tuple[date, int]:
    """Fill in the defaults: today and the configured horizon (90 days)."""
    return as_of or date.today(), rules.DEFAULT_HORIZON if horizon is None else horizon


def load_registry() -> rules.Registry:
    """The whole registry as plain domain data (six queries)."""
    s = db.session
    return rules.Registry(
        people=tuple(rules.Person(*row) for row in s.execute(select(
            Person.id, Person.start_date, Person.leave_date, Person.name, Person.org_unit_id))),
        services=tuple(rules.Service(*row) for row in s.execute(select(
            Service.id, Service.code, Service.status, Service.criticality,
            Service.contract_end))),
        competences=tuple(rules.Competence(*row) for row in s.execute(select(
            Competence.id, Competence.code, Competence.retired))),
        requirements=tuple(rules.Requirement(*row) for row in s.execute(select(
            Requirement.id, Requirement.service_id, Requirement.competence_id,
            Requirement.required_level, Requirement.min_holders))),
        assignments=tuple(rules.Assignment(*row) for row in s.execute(select(
            Assignment.person_id, Assignment.service_id, Assignment.start_on,
            Assignment.end_on))),
        holdings=tuple(rules.Holding(*row) for row in s.execute(select(
            Holding.person_id, Holding.competence_id, Holding.level, Holding.assessed_on,
            Holding.expires_on))),
    )


def _labels() -> tuple[dict, dict]:
    provider = aliased(Provider)
    services = {
        row.id: row for row in db.session.execute(
            select(Service.id, Service.name, Service.status, Service.criticality,
                   Service.provider_id, provider.name.label("provider_name"),
                   Service.contract_end).outerjoin(provider, Service.provider))
    }
    competences = {
        row.id: row for row in db.session.execute(
            select(Competence.id, Competence.name, Competence.framework_id,
                   Framework.name.label("framework_name"), Competence.area)
            .outerjoin(Framework, Competence.framework))
    }
    return services, competences


def _rows(gaps: list[rules.Gap]) -> list[GapRow]:
    services, competences = _labels()
    rows = []
    for g in gaps:
        s, c = services[g.service_id], competences[g.competence_id]
        rows.append(GapRow(
            requirement_id=g.requirement_id, service_id=g.service_id,
            service_code=g.service_code, service_name=s.name, service_status=s.status,
            criticality=s.criticality, provider_id=s.provider_id,
            provider_name=s.provider_name, contract_end=s.contract_end,
            contract_ending=g.contract_ending, competence_id=g.competence_id,
            competence_code=g.competence_code, competence_name=c.name,
            framework_id=c.framework_id, framework_name=c.framework_name, area=c.area,
            required_level=g.required_level, min_holders=g.min_holders,
            holders_now=g.holders_now, holders_at_horizon=g.holders_at_horizon,
            candidates=g.candidates, status=g.status, severity=g.severity, risk=g.risk))
    return rows


def _keep(row: GapRow, f: GapFilter) -> bool:
    return all((
        not f.statuses or row.status in f.statuses,
        not f.service_ids or row.service_id in f.service_ids,
        not f.provider_ids or row.provider_id in f.provider_ids,
        not f.criticalities or row.criticality in f.criticalities,
        not f.framework_ids or row.framework_id in f.framework_ids,
        not f.areas or row.area in f.areas,
        not f.competence_ids or row.competence_id in f.competence_ids,
    ))


def analyse(as_of: date | None = None, horizon: int | None = None,
            filters: GapFilter | None = None) -> list[GapRow]:
    """Every analysed requirement (covered ones included), ordered by severity, then service
    code, then competence code. Filter with `filters`; sort by risk with `by_risk`."""
    as_of, horizon = resolve(as_of, horizon)
    rows = _rows(rules.compute_gaps(load_registry(), as_of, horizon))
    if filters:
        rows = [row for row in rows if _keep(row, filters)]
    return rows


def by_risk(rows: list[GapRow]) -> list[GapRow]:
    """Highest risk (severity × criticality) first; ties in report order."""
    return sorted(rows, key=lambda r: -r.risk)


def coverage(rows: list[GapRow]) -> float | None:
    """Covered ÷ requirements as a percentage; None when there are no requirements."""
    if not rows:
        return None
    return 100.0 * sum(r.status == rules.COVERED for r in rows) / len(rows)


def qualified_holders(requirement_ids: list[int], day: date) -> dict[int, list[Holder]]:
    """For each requirement, the people qualified on `day` with their levels."""
    registry = load_registry()
    people = {row.id: row for row in db.session.execute(
        select(Person.id, Person.employee_number, Person.name))}
    levels = {(h.person_id, h.competence_id): h.level for h in registry.holdings}
    reqs = {r.id: r for r in registry.requirements}
    result = {}
    for rid in requirement_ids:
        ids = rules.qualified_people(registry, rid, day)
        c = reqs[rid].competence_id
        result[rid] = sorted(
            (Holder(p, people[p].employee_number, people[p].name, levels[(p, c)]) for p in ids),
            key=lambda h: (-h.level, h.name))
    return result


def suggestions(requirement_id: int, as_of: date | None = None,
                horizon: int | None = None) -> list[SuggestedPerson]:
    """Successor suggestions of DESIGN.md for one requirement."""
    as_of, horizon = resolve(as_of, horizon)
    registry = load_registry()
    people = {row.id: row for row in db.session.execute(
        select(Person.id, Person.employee_number, Person.name))}
    return [
        SuggestedPerson(s.person_id, people[s.person_id].employee_number,
                        people[s.person_id].name, s.level, s.kind, s.shares_org_unit)
        for s in rules.suggestions(registry, requirement_id, as_of, horizon)
    ]


def key_people(as_of: date | None = None, horizon: int | None = None) -> set[int]:
    """Ids of the people whose departure on D alone would worsen a requirement's status."""
    as_of, horizon = resolve(as_of, horizon)
    return rules.key_people(load_registry(), as_of, horizon)


def what_if(departures: dict[int, date], assignment_ends: dict[tuple[int, int], date] | None = None,
            as_of: date | None = None, horizon: int | None = None) -> WhatIfResult:
    """Hypothetical leave dates and assignment ends; nothing is written."""
    as_of, horizon = resolve(as_of, horizon)
    result = rules.what_if(load_registry(), as_of, horizon, departures, assignment_ends)
    before = {r.requirement_id: r for r in _rows([b for b, _ in result.worsened])}
    after = {r.requirement_id: r for r in _rows([a for _, a in result.worsened])}
    return WhatIfResult(
        [(before[b.requirement_id], after[b.requirement_id]) for b, _ in result.worsened],
        result.coverage_before, result.coverage_after)
