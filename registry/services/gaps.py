"""Gap analysis on the database: the figures every page, the CLI and the API show.

Set-based SQL (SQLAlchemy Core, the same statements on SQLite and PostgreSQL): the whole
analysis is one statement whatever the size of the registry, and so are key people, qualified
holders and successor suggestions for any set of requirements. The rules are those of
`registry.domain.gaps` (DESIGN.md); a property test proves both agree on every field.

Results of the full analysis are cached per process, versioned by the audit head (count and
hash): every write records an audit event, so a write always moves the head and figures
computed before it are never served after it. When the head has moved, the events since the
cached head say which requirements can have changed; only those are recomputed (logins and
other events that cannot change a figure recompute nothing; imports and anything unknown
recompute everything). A transaction that has written anything bypasses the cache.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from registry.domain import gaps as rules
from registry.domain.audit_chain import GENESIS
from registry.extensions import db
from registry.models import (
    Assignment,
    AuditEvent,
    AuditHead,
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
    requirement_ids: tuple[int, ...] = ()

    def narrows_requirements(self) -> bool:
        """Whether anything other than the status restricts which requirements are analysed."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "statuses")


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


@dataclass(frozen=True)
class CoverageSummary:
    """Coverage of a group of requirements (a provider, a service, the whole registry)."""

    key: object
    label: str | None
    requirements: int
    counts: dict[str, int]
    coverage: float | None


def resolve(as_of: date | None, horizon: int | None) -> tuple[date, int]:
    """Fill in the defaults: today and the configured horizon (90 days)."""
    if horizon is None:
        horizon = rules.DEFAULT_HORIZON
        if has_app_context():
            horizon = current_app.config.get("DEFAULT_HORIZON_DAYS", horizon)
    return as_of or date.today(), horizon


# --- the predicates of DESIGN.md as SQL -------------------------------------------------------

def _employed(person, day):
    return and_(or_(person.start_date.is_(None), person.start_date <= day),
                or_(person.leave_date.is_(None), person.leave_date > day))


def _active(assignment, day):
    return and_(or_(assignment.start_on.is_(None), assignment.start_on <= day),
                or_(assignment.end_on.is_(None), assignment.end_on > day))


def _valid(holding, day):
    return and_(or_(holding.assessed_on.is_(None), holding.assessed_on <= day),
                or_(holding.expires_on.is_(None), holding.expires_on > day))


def _flag(condition):
    return case((condition, 1), else_=0)


def _severity(now, later, min_holders):
    """DESIGN.md's status rules, as the severity number (first rule that matches)."""
    return case(
        (now == 0, rules.SEVERITY[rules.UNASSIGNED]),
        (later == 0, rules.SEVERITY[rules.LEAVING]),
        (or_(now < min_holders, later < min_holders), rules.SEVERITY[rules.UNDERCOVERED]),
        else_=rules.SEVERITY[rules.COVERED],
    )


def _status(now, later, min_holders):
    return case(
        (now == 0, rules.UNASSIGNED),
        (later == 0, rules.LEAVING),
        (or_(now < min_holders, later < min_holders), rules.UNDERCOVERED),
        else_=rules.COVERED,
    )


def _days(as_of: date, horizon: int):
    return (bindparam("as_of", as_of, type_=Date),
            bindparam("horizon_end", rules.horizon_end(as_of, horizon), type_=Date))


def _analysed(filters: GapFilter | None, name: str = "ar"):
    """The analysed requirements (planned/active service, competence not retired), with the
    labels every row shows; every filter but the status is applied here, in SQL."""
    f = filters or GapFilter()
    conditions = [Service.status.in_(rules.ANALYSED_SERVICE_STATUSES),
                  Competence.retired.is_(False)]
    for values, column in (
        (f.service_ids, Requirement.service_id), (f.provider_ids, Service.provider_id),
        (f.criticalities, Service.criticality), (f.framework_ids, Competence.framework_id),
        (f.areas, Competence.area), (f.competence_ids, Requirement.competence_id),
        (f.requirement_ids, Requirement.id),
    ):
        if values:
            conditions.append(column.in_(list(values)))
    return (
        select(
            Requirement.id.label("rid"), Requirement.service_id, Requirement.competence_id,
            Requirement.required_level, Requirement.min_holders,
            Service.code.label("service_code"), Service.name.label("service_name"),
            Service.status.label("service_status"), Service.criticality,
            Service.provider_id, Service.contract_end,
            Competence.code.label("competence_code"), Competence.name.label("competence_name"),
            Competence.framework_id, Competence.area,
        )
        .join(Service, Service.id == Requirement.service_id)
        .join(Competence, Competence.id == Requirement.competence_id)
        .where(*conditions)
        .cte(name)
    )


def _qualified_pairs(ar, d, e, name: str = "pairs", scope=None):
    """(requirement, assigned person holding C at ≥ L) with flags: qualified on D, on E, and
    assigned on D while employed and validly holding C on both days (not a candidate)."""
    a, h, p = Assignment, Holding, Person
    on_d = and_(_active(a, d), _valid(h, d), _employed(p, d))
    on_e = and_(_active(a, e), _valid(h, e), _employed(p, e))
    stable = and_(_active(a, d), _valid(h, d), _valid(h, e), _employed(p, d), _employed(p, e))
    stmt = (
        select(ar.c.rid, a.person_id, _flag(on_d).label("on_d"), _flag(on_e).label("on_e"),
               _flag(stable).label("stable"))
        .select_from(ar)
        .join(a, a.service_id == ar.c.service_id)
        .join(h, and_(h.person_id == a.person_id, h.competence_id == ar.c.competence_id,
                      h.level >= ar.c.required_level))
        .join(p, p.id == a.person_id)
        .where(or_(on_d, on_e))
    )
    if scope is not None:  # a few requirements: let the planner use the indexes
        stmt = stmt.where(a.service_id.in_(scope[0]), h.competence_id.in_(scope[1]))
    return stmt.cte(name)


def _scope(filters: GapFilter | None):
    """For a narrowing filter, the services and competences of the requirements it matches
    (one small query), so the main statement touches only their assignments and holdings."""
    if not (filters and filters.narrows_requirements()):
        return None
    ar = _analysed(filters, "scope")
    rows = db.session.execute(select(ar.c.service_id, ar.c.competence_id)).all()
    return sorted({r.service_id for r in rows}) or [-1], sorted(
        {r.competence_id for r in rows}) or [-1]


def _analysis_statement(as_of: date, horizon: int, filters: GapFilter | None):
    d, e = _days(as_of, horizon)
    ar = _analysed(filters)
    scope = _scope(filters)
    pairs = _qualified_pairs(ar, d, e, scope=scope)
    counts = (
        select(pairs.c.rid, func.sum(pairs.c.on_d).label("now"),
               func.sum(pairs.c.on_e).label("later"),
               func.sum(pairs.c.stable).label("assigned_stable"))
        .group_by(pairs.c.rid).cte("counts")
    )
    # People employed on D and E holding C validly on both days, per competence and level;
    # a requirement's candidates are those at ≥ L minus the ones assigned to its service.
    h, p = Holding, Person
    stable_holders = (
        select(h.competence_id, h.level, func.count().label("n"))
        .join(p, p.id == h.person_id)
        .where(_valid(h, d), _valid(h, e), _employed(p, d), _employed(p, e),
               h.competence_id.in_(scope[1]) if scope else true())
        .group_by(h.competence_id, h.level).cte("stable_holders")
    )
    stable_counts = (
        select(ar.c.rid, func.sum(stable_holders.c.n).label("n"))
        .join(stable_holders, and_(stable_holders.c.competence_id == ar.c.competence_id,
                                   stable_holders.c.level >= ar.c.required_level))
        .group_by(ar.c.rid).cte("stable_counts")
    )
    now = cast(func.coalesce(counts.c.now, 0), Integer)
    later = cast(func.coalesce(counts.c.later, 0), Integer)
    candidates = cast(func.coalesce(stable_counts.c.n, 0)
                      - func.coalesce(counts.c.assigned_stable, 0), Integer)
    base = (
        select(ar, Provider.name.label("provider_name"), Framework.name.label("framework_name"),
               now.label("now"), later.label("later"), candidates.label("candidates"))
        .select_from(ar)
        .outerjoin(Provider, Provider.id == ar.c.provider_id)
        .outerjoin(Framework, Framework.id == ar.c.framework_id)
        .outerjoin(counts, counts.c.rid == ar.c.rid)
        .outerjoin(stable_counts, stable_counts.c.rid == ar.c.rid)
        .subquery("base")
    )
    status = _status(base.c.now, base.c.later, base.c.min_holders)
    weight = case(rules.CRITICALITY_WEIGHT, value=base.c.criticality, else_=0)
    severity = _severity(base.c.now, base.c.later, base.c.min_holders)
    stmt = select(base, status.label("status"), severity.label("severity"),
                  (severity * weight).label("risk"))
    if filters and filters.statuses:
        stmt = stmt.where(status.in_(list(filters.statuses)))
    return stmt


def _row(r, end: date) -> GapRow:
    return GapRow(
        requirement_id=r.rid, service_id=r.service_id, service_code=r.service_code,
        service_name=r.service_name, service_status=r.service_status,
        criticality=r.criticality, provider_id=r.provider_id, provider_name=r.provider_name,
        contract_end=r.contract_end,
        contract_ending=r.contract_end is not None and r.contract_end <= end,
        competence_id=r.competence_id, competence_code=r.competence_code,
        competence_name=r.competence_name, framework_id=r.framework_id,
        framework_name=r.framework_name, area=r.area, required_level=r.required_level,
        min_holders=r.min_holders, holders_now=r.now, holders_at_horizon=r.later,
        candidates=r.candidates, status=r.status, severity=r.severity, risk=r.risk)


def report_order(row: GapRow):
    """Severity (worst first), then service code, then competence code (code-point order,
    the same on every database)."""
    return (-row.severity, row.service_code, row.competence_code)


def _compute(as_of: date, horizon: int, filters: GapFilter | None) -> list[GapRow]:
    end = rules.horizon_end(as_of, horizon)
    result = db.session.execute(_analysis_statement(as_of, horizon, filters))
    return sorted((_row(r, end) for r in result), key=report_order)


# --- the cache: keyed on the audit head, so a write always invalidates it ---------------------

_CACHE_SIZE = 16
_MAX_EVENTS = 500  # more events than this since the cached head: recompute everything
# Events of these entities never change a gap figure (accounts, logins and refusals,
# mitigations, the org-unit tree, redactions): the cached analysis stays as it is.
_NEUTRAL_ENTITIES = frozenset({"user", "mitigation", "org_unit", "audit_event"})
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class _Entry:
    """A full analysis and the audit head it was computed at."""

    count: int
    hash: str
    rows: tuple[GapRow, ...]


def _cache_enabled() -> bool:
    """GAP_CACHE in the config; unset (None) means on, except in tests: test data written
    without audit events would otherwise be invisible to a cached analysis."""
    if not has_app_context():
        return False
    setting = current_app.config.get("GAP_CACHE")
    return not current_app.testing if setting is None else bool(setting)


def _head():
    """The audit head, or None when the cache must not be used: this transaction has changed
    something (its figures may yet be rolled back), or there is no head row."""
    session = db.session
    if session.new or session.dirty or session.deleted or session.info.get("audit_head"):
        return None
    return session.execute(select(AuditHead.count, AuditHead.hash)
                           .where(AuditHead.id == 1)).one_or_none()


def _full_analysis(as_of: date, horizon: int) -> list[GapRow]:
    head = _head()
    if head is None:
        return _compute(as_of, horizon, None)
    key = (str(db.engine.url), as_of, horizon)
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and (entry.count, entry.hash) == (head.count, head.hash):
        return list(entry.rows)
    rows = None
    if entry is not None and entry.count < head.count:
        rows = _refreshed(entry, head, as_of, horizon)
    if rows is None:
        rows = _compute(as_of, horizon, None)
    with _cache_lock:
        current = _cache.get(key)
        if current is None or current.count <= head.count:  # never step back to an older head
            _cache[key] = _Entry(head.count, head.hash, tuple(rows))
            _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return rows


def _refreshed(entry: _Entry, head, as_of: date, horizon: int) -> list[GapRow] | None:
    """The cached analysis brought up to `head` by recomputing only the requirements the
    events since then can have changed; None when that is not possible or not worth it."""
    if head.count - entry.count > _MAX_EVENTS:
        return None
    events = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.action, AuditEvent.entity,
               AuditEvent.entity_id, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.seq >= entry.count, AuditEvent.seq <= head.count)
        .order_by(AuditEvent.seq)).all()
    # The chain must run on from the cached head (a cached head from a transaction that was
    # rolled back has a different hash), without gaps, to the current head.
    if entry.count == 0:
        chained = entry.hash == GENESIS
    else:
        chained = bool(events) and (events[0].seq, events[0].hash) == (entry.count, entry.hash)
        events = events[1:]
    if not chained or [e.seq for e in events] != list(range(entry.count + 1, head.count + 1)) \
            or events[-1].hash != head.hash:
        return None
    changes = _Changes()
    if not all(changes.add(event) for event in events):
        return None
    affected = changes.requirement_ids(entry.rows)
    if len(affected) > max(50, len(entry.rows) // 2):
        return None  # most of the registry: one full statement is cheaper
    fresh = _compute(as_of, horizon, GapFilter(requirement_ids=tuple(sorted(affected)))) \
        if affected else []
    kept = [row for row in entry.rows if row.requirement_id not in affected]
    return sorted(kept + fresh, key=report_order)


class _Changes:
    """What a run of audit events touched, as far as the gap figures are concerned."""

    def __init__(self):
        self.requirements, self.services, self.competences = set(), set(), set()
        self.providers, self.frameworks, self.people = set(), set(), set()
        self.holdings, self.assignments = set(), set()

    def add(self, event) -> bool:
        """Note one event; False when its effect cannot be bounded (recompute everything)."""
        if event.entity in _NEUTRAL_ENTITIES:
            return True
        try:
            entity_id = int(event.entity_id)
        except (TypeError, ValueError):
            return False
        values = [v for v in (_loads(event.before), _loads(event.after)) if v]
        if event.entity == "holding":
            self.holdings.add(entity_id)
            self.competences.update(v["competence_id"] for v in values if v.get("competence_id"))
        elif event.entity == "assignment":
            self.assignments.add(entity_id)
            self.services.update(v["service_id"] for v in values if v.get("service_id"))
        elif event.entity == "person" and event.action != "delete":
            self.people.add(entity_id)
        elif event.entity in ("requirement", "service", "competence", "provider", "framework"):
            getattr(self, event.entity + "s").add(entity_id)
        else:
            return False
        return True

    def requirement_ids(self, rows: tuple[GapRow, ...]) -> set[int]:
        """Requirements whose row may differ: found in the database now and among the cached
        rows (which still hold what has since been deleted or renamed)."""
        r = Requirement
        holding_competences = select(Holding.competence_id).where(
            or_(Holding.id.in_(self.holdings), Holding.person_id.in_(self.people)))
        assignment_services = select(Assignment.service_id).where(
            or_(Assignment.id.in_(self.assignments), Assignment.person_id.in_(self.people)))
        found = set(db.session.execute(
            select(r.id).join(Service, Service.id == r.service_id)
            .join(Competence, Competence.id == r.competence_id)
            .where(or_(r.id.in_(self.requirements), r.service_id.in_(self.services),
                       r.competence_id.in_(self.competences),
                       Service.provider_id.in_(self.providers),
                       Competence.framework_id.in_(self.frameworks),
                       r.competence_id.in_(holding_competences),
                       r.service_id.in_(assignment_services)))).scalars())
        competences = self.competences | {c for c, in db.session.execute(holding_competences)}
        services = self.services | {s for s, in db.session.execute(assignment_services)}
        found.update(
            row.requirement_id for row in rows
            if row.requirement_id in self.requirements or row.service_id in services
            or row.competence_id in competences or row.provider_id in self.providers
            or row.framework_id in self.frameworks)
        return found


def _loads(text_value: str | None) -> dict | None:
    if not text_value:
        return None
    try:
        value = json.loads(text_value)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def clear_cache() -> None:
    """Forget every cached analysis (the cache is also invalidated by every write)."""
    with _cache_lock:
        _cache.clear()


def _keep(row: GapRow, f: GapFilter) -> bool:
    return all((
        not f.statuses or row.status in f.statuses,
        not f.service_ids or row.service_id in f.service_ids,
        not f.provider_ids or row.provider_id in f.provider_ids,
        not f.criticalities or row.criticality in f.criticalities,
        not f.framework_ids or row.framework_id in f.framework_ids,
        not f.areas or row.area in f.areas,
        not f.competence_ids or row.competence_id in f.competence_ids,
        not f.requirement_ids or row.requirement_id in f.requirement_ids,
    ))


# --- the public interface ---------------------------------------------------------------------

def analyse(as_of: date | None = None, horizon: int | None = None,
            filters: GapFilter | None = None,
            service_ids: Iterable[int] | None = None) -> list[GapRow]:
    """Every analysed requirement (covered ones included), ordered by severity, then service
    code, then competence code. Filter with `filters` (or just `service_ids`, for one
    dossier); sort by risk with `by_risk`."""
    as_of, horizon = resolve(as_of, horizon)
    if service_ids is not None:
        filters = replace(filters or GapFilter(), service_ids=tuple(service_ids))
    if not _cache_enabled() or (filters and filters.narrows_requirements()):
        return _compute(as_of, horizon, filters)  # every filter in SQL
    rows = _full_analysis(as_of, horizon)
    if filters and filters.statuses:
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


def status_counts(rows: Iterable[GapRow]) -> dict[str, int]:
    """The number of requirements per status, every status present (zero when none)."""
    counts = dict.fromkeys(rules.STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def coverage_by(rows: Iterable[GapRow], key: Callable[[GapRow], object],
                label: Callable[[GapRow], str | None]) -> list[CoverageSummary]:
    """Coverage per group of rows (e.g. per provider), ordered by label; one pass."""
    groups: dict[object, list[GapRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    summaries = [CoverageSummary(k, label(group[0]), len(group), status_counts(group),
                                 coverage(group)) for k, group in groups.items()]
    return sorted(summaries, key=lambda s: (s.label is None, (s.label or "").casefold()))


def coverage_by_provider(rows: Iterable[GapRow]) -> list[CoverageSummary]:
    """Coverage per provider (key None: services without a provider, listed last)."""
    return coverage_by(rows, lambda r: r.provider_id, lambda r: r.provider_name)


def coverage_by_service(rows: Iterable[GapRow]) -> list[CoverageSummary]:
    """Coverage per service, labelled with the service name."""
    return coverage_by(rows, lambda r: r.service_id, lambda r: r.service_name)


def qualified_holders(requirement_ids: list[int], day: date) -> dict[int, list[Holder]]:
    """For each requirement, the people qualified on `day` with their levels (highest level
    first, then by name); one query for any number of requirements."""
    result: dict[int, list[Holder]] = {rid: [] for rid in requirement_ids}
    if not requirement_ids:
        return result
    d = bindparam("day", day, type_=Date)
    r, a, h, p = Requirement, Assignment, Holding, Person
    stmt = (
        select(r.id, p.id, p.employee_number, p.name, h.level)
        .join(a, a.service_id == r.service_id)
        .join(h, and_(h.person_id == a.person_id, h.competence_id == r.competence_id,
                      h.level >= r.required_level))
        .join(p, p.id == a.person_id)
        .where(r.id.in_(list(requirement_ids)), _active(a, d), _valid(h, d), _employed(p, d))
    )
    for rid, person_id, number, name, level in db.session.execute(stmt):
        result[rid].append(Holder(person_id, number, name, level))
    for holders in result.values():
        holders.sort(key=lambda x: (-x.level, x.name, x.person_id))
    return result


def suggestions_for(requirement_ids: list[int], as_of: date | None = None,
                    horizon: int | None = None,
                    limit: int | None = None) -> dict[int, list[SuggestedPerson]]:
    """Successor suggestions of DESIGN.md for each requirement, in one query: first the
    candidates, then people who need training; within each, highest level first, then those
    sharing an org unit with a current holder, then by name. `limit` caps each list."""
    as_of, horizon = resolve(as_of, horizon)
    result: dict[int, list[SuggestedPerson]] = {rid: [] for rid in requirement_ids}
    if not requirement_ids:
        return result
    d, e = _days(as_of, horizon)
    r, h, p = Requirement, Holding, Person
    a = aliased(Assignment)
    assigned_on_d = exists().where(a.person_id == p.id, a.service_id == r.service_id,
                                   _active(a, d))
    is_candidate = and_(h.level >= r.required_level, _valid(h, e), ~assigned_on_d)
    # The org units of the people qualified on D (the current holders).
    ca, ch, cp = aliased(Assignment), aliased(Holding), aliased(Person)
    shares_unit = exists().where(
        ca.service_id == r.service_id, _active(ca, d), ch.person_id == ca.person_id,
        ch.competence_id == r.competence_id, ch.level >= r.required_level, _valid(ch, d),
        cp.id == ca.person_id, _employed(cp, d), cp.org_unit_id == p.org_unit_id)
    stmt = (
        select(r.id, p.id, p.employee_number, p.name, h.level,
               case((is_candidate, literal("candidate")), else_=literal("training")),
               and_(p.org_unit_id.is_not(None), shares_unit))
        .join(h, h.competence_id == r.competence_id)
        .join(p, p.id == h.person_id)
        .where(r.id.in_(list(requirement_ids)), _valid(h, d), _employed(p, d),
               _employed(p, e), or_(is_candidate, h.level < r.required_level))
    )
    for rid, person_id, number, name, level, kind, shares in db.session.execute(stmt):
        result[rid].append(SuggestedPerson(person_id, number, name, level, kind, bool(shares)))
    for people in result.values():
        people.sort(key=lambda s: (s.kind != "candidate", -s.level, not s.shares_org_unit,
                                   s.name, s.person_id))
        if limit is not None:
            del people[limit:]
    return result


def suggestions(requirement_id: int, as_of: date | None = None,
                horizon: int | None = None) -> list[SuggestedPerson]:
    """Successor suggestions of DESIGN.md for one requirement."""
    return suggestions_for([requirement_id], as_of, horizon)[requirement_id]


def key_people(as_of: date | None = None, horizon: int | None = None,
               person_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the people whose departure on D alone would worsen a requirement's status:
    for some requirement they are qualified on D or E, and the status without them (one fewer
    now and/or later) is worse. One statement; `person_ids` only narrows the answer."""
    as_of, horizon = resolve(as_of, horizon)
    if person_ids is not None:
        person_ids = set(person_ids)
        if len(person_ids) <= _FEW_PEOPLE:
            return _key_among(person_ids, as_of, horizon)
    d, e = _days(as_of, horizon)
    ar = _analysed(None)
    pairs = _qualified_pairs(ar, d, e)
    counts = (
        select(pairs.c.rid, func.sum(pairs.c.on_d).label("now"),
               func.sum(pairs.c.on_e).label("later"))
        .group_by(pairs.c.rid).cte("counts")
    )
    m = ar.c.min_holders
    stmt = (
        select(pairs.c.person_id).distinct()
        .join(counts, counts.c.rid == pairs.c.rid)
        .join(ar, ar.c.rid == pairs.c.rid)
        .where(_severity(counts.c.now - pairs.c.on_d, counts.c.later - pairs.c.on_e, m)
               > _severity(counts.c.now, counts.c.later, m))
    )
    if person_ids is not None:
        stmt = stmt.where(pairs.c.person_id.in_(list(person_ids)))
    return set(db.session.execute(stmt).scalars())


_FEW_PEOPLE = 200


def _key_among(person_ids: set[int], as_of: date, horizon: int) -> set[int]:
    """Key people among a few: each one's departure on D tried on the current analysis
    (cached), reading only their own records."""
    if not person_ids:
        return set()
    rows = {row.requirement_id: row for row in analyse(as_of, horizon)}
    hypothesis = _Hypothesis(list(rows.values()), _records_of(person_ids), as_of,
                             rules.horizon_end(as_of, horizon))
    key = set()
    for pid in hypothesis.people:
        for rid, (dn, dl, dc) in hypothesis.deltas({pid: as_of}, {}).items():
            row = rows[rid]
            after = _with_figures(row, row.holders_now + dn, row.holders_at_horizon + dl,
                                  row.candidates + dc)
            if after.severity > row.severity:
                key.add(pid)
                break
    return key


def what_if(departures: dict[int, date], assignment_ends: dict[tuple[int, int], date] | None = None,
            as_of: date | None = None, horizon: int | None = None) -> WhatIfResult:
    """Hypothetical leave dates (person id → date) and assignment ends ((person id, service id)
    → date), each taking effect when earlier than the real one; nothing is written.

    The current analysis (cached) gives the figures before; only the records of the people
    concerned are read to work out what changes, so the cost does not grow with the registry.
    """
    as_of, horizon = resolve(as_of, horizon)
    assignment_ends = assignment_ends or {}
    end = rules.horizon_end(as_of, horizon)
    rows = analyse(as_of, horizon)
    people_ids = set(departures) | {person for person, _ in assignment_ends}
    if not people_ids:
        return WhatIfResult([], coverage(rows), coverage(rows))

    records = _records_of(people_ids)
    deltas = _Hypothesis(rows, records, as_of, end).deltas(departures, assignment_ends)

    worsened, covered_after = [], 0
    for row in rows:
        after_row = row
        if row.requirement_id in deltas:
            dn, dl, dc = deltas[row.requirement_id]
            after_row = _with_figures(row, row.holders_now + dn, row.holders_at_horizon + dl,
                                      row.candidates + dc)
            if after_row.severity > row.severity:
                worsened.append((row, after_row))
        covered_after += after_row.status == rules.COVERED
    after_coverage = 100.0 * covered_after / len(rows) if rows else None
    return WhatIfResult(worsened, coverage(rows), after_coverage)


class _Hypothesis:
    """Works out how hypothetical leave dates and assignment ends change the figures of the
    analysed requirements, from the records of the people concerned alone."""

    def __init__(self, rows: list[GapRow], records, as_of: date, end: date):
        self.people, self.holdings, self.assignments = records
        self.as_of, self.end = as_of, end
        self.by_competence: dict[int, list[GapRow]] = {}
        for row in rows:
            self.by_competence.setdefault(row.competence_id, []).append(row)

    def deltas(self, departures: dict[int, date],
               assignment_ends: dict[tuple[int, int], date]) -> dict[int, list[int]]:
        """requirement id → [Δ now, Δ later, Δ candidates] for the requirements that change."""
        deltas: dict[int, list[int]] = {}
        for pid, person in self.people.items():
            if pid not in departures and not any(p == pid for p, _ in assignment_ends):
                continue
            real = self.assignments[pid]
            hyp_person = replace(person, leave_date=_earlier(person.leave_date,
                                                             departures[pid])) \
                if pid in departures else person
            hyp = [replace(a, end_on=_earlier(a.end_on, assignment_ends[(pid, a.service_id)]))
                   if (pid, a.service_id) in assignment_ends else a for a in real]
            for competence_id, holding in self.holdings[pid].items():
                for row in self.by_competence.get(competence_id, ()):
                    before = self._figures(person, holding, real, row)
                    after = self._figures(hyp_person, holding, hyp, row)
                    if before != after:
                        delta = deltas.setdefault(row.requirement_id, [0, 0, 0])
                        for i in range(3):
                            delta[i] += after[i] - before[i]
        return deltas

    def _figures(self, person, holding, assignments, row) -> tuple[int, int, int]:
        """(qualified on D, qualified on E, candidate) of one person for one requirement."""
        if holding.level < row.required_level:
            return 0, 0, 0
        on = [a for a in assignments if a.service_id == row.service_id]

        def qualified(day):
            return int(rules.employed(person, day) and rules.holding_valid(holding, day)
                       and any(rules.assignment_active(a, day) for a in on))
        candidate = (rules.employed(person, self.as_of) and rules.employed(person, self.end)
                     and rules.holding_valid(holding, self.as_of)
                     and rules.holding_valid(holding, self.end)
                     and not any(rules.assignment_active(a, self.as_of) for a in on))
        return qualified(self.as_of), qualified(self.end), int(candidate)


def _earlier(current: date | None, hypothetical: date) -> date:
    return hypothetical if current is None else min(current, hypothetical)


def _with_figures(row: GapRow, now: int, later: int, candidates: int) -> GapRow:
    status = rules.status_of(now, later, row.min_holders)
    severity = rules.SEVERITY[status]
    return replace(row, holders_now=now, holders_at_horizon=later, candidates=candidates,
                   status=status, severity=severity,
                   risk=severity * rules.CRITICALITY_WEIGHT[row.criticality])


def _records_of(people_ids: set[int]):
    """The people, their holdings and their assignments, as domain data (three queries)."""
    ids = list(people_ids)
    people = {row.id: rules.Person(row.id, row.start_date, row.leave_date, row.name,
                                   row.org_unit_id)
              for row in db.session.execute(
                  select(Person.id, Person.start_date, Person.leave_date, Person.name,
                         Person.org_unit_id).where(Person.id.in_(ids)))}
    holdings: dict[int, dict[int, rules.Holding]] = {pid: {} for pid in people}
    for row in db.session.execute(
            select(Holding.person_id, Holding.competence_id, Holding.level,
                   Holding.assessed_on, Holding.expires_on).where(Holding.person_id.in_(ids))):
        holdings[row.person_id][row.competence_id] = rules.Holding(*row)
    assignments: dict[int, list[rules.Assignment]] = {pid: [] for pid in people}
    for row in db.session.execute(
            select(Assignment.person_id, Assignment.service_id, Assignment.start_on,
                   Assignment.end_on).where(Assignment.person_id.in_(ids))):
        assignments[row.person_id].append(rules.Assignment(*row))
    return people, holdings, assignments
