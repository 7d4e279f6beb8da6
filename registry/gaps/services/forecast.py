"""The forecast of DESIGN.md on the database: for every analysed requirement, when it first
falls short of its minimum within a window of N days, when it first has nobody, every step of
its number of qualified people, and why it falls short (who leaves, whose assignment ends,
whose assessment expires, and on which date).

Set-based SQL, the same on SQLite and PostgreSQL, and never a loop over days: each qualifying
(requirement, person) pair is qualified on a half-open interval [lo, hi) of days (the latest of
its start dates, the earliest of its end dates), clipped to the window. q(D) counts the
intervals that contain D; every other change of q is an interval starting or ending inside
the window, so the steps are the running sum of those +1/−1 events per requirement (a window
function). `registry.gaps.rules.forecast` is the pure reference; a property test proves both agree
with a brute-force evaluation of every day.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Date, Integer, and_, bindparam, case, cast, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from registry.core.extensions import db
from registry.gaps.rules import forecast as model
from registry.gaps.services import cache as gap_cache
from registry.gaps.services.rows import GapFilter
from registry.gaps.services.sql import _scope, analysed, qualifying
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person


@dataclass(frozen=True)
class Cause:
    """Why a requirement first falls short: `name` stops counting on `on` (`kind`: leaves,
    assignment_ends or assessment_expires)."""

    kind: str
    person_id: int
    employee_number: str
    name: str
    on: date


@dataclass(frozen=True)
class ForecastRow:
    """The forecast of one analysed requirement over [D, D + N], with the labels pages show."""

    requirement_id: int
    service_id: int
    service_code: str
    service_name: str
    criticality: str
    provider_id: int | None
    competence_id: int
    competence_code: str
    competence_name: str
    framework_id: int | None
    required_level: int
    min_holders: int
    holders_now: int
    first_short_on: date | None
    first_empty_on: date | None
    steps: tuple[tuple[date, int], ...]
    causes: tuple[Cause, ...]
    competence_name_en: str | None = None  # shown instead in the English interface

    def holders_on(self, day: date) -> int:
        """q(day) for a day in the window, from the steps."""
        q = self.holders_now
        for step_day, holders in self.steps:
            if step_day > day:
                break
            q = holders
        return q


# --- greatest / least of a few dates, on both databases ----------------------------------------


class greatest(FunctionElement):  # noqa: N801 - an SQL function name
    """The latest of its (non-null) arguments."""

    type = Date()
    name = "greatest"
    inherit_cache = True


class least(FunctionElement):  # noqa: N801 - an SQL function name
    """The earliest of its (non-null) arguments."""

    type = Date()
    name = "least"
    inherit_cache = True


@compiles(greatest)
@compiles(least)
def _compile_default(element, compiler, **kw):
    return f"{element.name}({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _compile_sqlite_max(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"  # scalar max() of many args


@compiles(least, "sqlite")
def _compile_sqlite_min(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


# --- the statements ----------------------------------------------------------------------------


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _ctes(as_of: date, days: int, filters: GapFilter | None, by_organisation: bool = False):
    """The analysed requirements, their qualifying intervals, q(D) and the running q
    (`by_organisation`: of every organisation, each with its own people; see `gaps.sql`)."""
    d = bindparam("as_of", as_of, type_=Date)
    # x: the first day after the window; an interval open at its end is clipped to it.
    x = bindparam("after_window", model.window_end(as_of, days) + timedelta(days=1), type_=Date)
    ar = analysed(filters, "far", by_organisation=by_organisation)
    a, h, p = Assignment, Holding, Person
    fc = func.coalesce
    lo = greatest(d, fc(p.start_date, d), fc(a.start_on, d), fc(h.assessed_on, d))
    hi = least(x, fc(p.leave_date, x), fc(a.end_on, x), fc(h.expires_on, x))
    columns = select(
        ar.c.rid, a.person_id, lo.label("lo"), hi.label("hi"), p.leave_date, a.end_on, h.expires_on
    )
    pairs_query = qualifying(
        columns.select_from(ar), ar.c, same_organisation=by_organisation
    ).where(lo < hi)
    scope = _scope(filters)
    if scope is not None:  # a few requirements: let the planner start from their services
        # (not from the holdings of their competences: see gaps.sql.qualified_pairs)
        pairs_query = pairs_query.where(a.service_id.in_(scope[0]))
    pairs = pairs_query.cte("fpairs")
    counts = (
        select(pairs.c.rid, func.sum(case((pairs.c.lo == d, 1), else_=0)).label("now"))
        .group_by(pairs.c.rid)
        .cte("fcounts")
    )
    events = union_all(
        select(pairs.c.rid, pairs.c.lo.label("day"), literal(1).label("delta")).where(
            pairs.c.lo > d
        ),
        select(pairs.c.rid, pairs.c.hi.label("day"), literal(-1).label("delta")).where(
            pairs.c.hi < x
        ),
    ).subquery("fevents")
    deltas = (
        select(events.c.rid, events.c.day, func.sum(events.c.delta).label("delta"))
        .group_by(events.c.rid, events.c.day)
        .having(func.sum(events.c.delta) != 0)
        .cte("fdeltas")
    )
    running = (
        select(
            deltas.c.rid,
            deltas.c.day,
            (
                counts.c.now
                + func.sum(deltas.c.delta).over(partition_by=deltas.c.rid, order_by=deltas.c.day)
            ).label("q"),
        )
        .join(counts, counts.c.rid == deltas.c.rid)
        .cte("frunning")
    )
    return d, ar, pairs, counts, running


def _statement(as_of: date, days: int, filters: GapFilter | None, by_organisation: bool = False):
    """One statement for the whole forecast: a row per analysed requirement and step (one row
    with an empty day when q never changes), with the labels, q(D), the first short and empty
    days, and on the first short day's row the people who stop counting that day (one row per
    person; none when already short on D)."""
    d, ar, pairs, counts, running = _ctes(as_of, days, filters, by_organisation)
    m = ar.c.min_holders
    now = cast(func.coalesce(counts.c.now, 0), Integer)
    per_rid = {"partition_by": running.c.rid}
    steps = (
        select(
            running.c.rid,
            running.c.day,
            running.c.q,
            func.min(case((running.c.q < m, running.c.day))).over(**per_rid).label("short_step"),
            func.min(case((running.c.q == 0, running.c.day))).over(**per_rid).label("empty_step"),
        )
        .join(ar, ar.c.rid == running.c.rid)
        .cte("fsteps")
    )
    first_short = case((now < m, d), else_=steps.c.short_step)
    first_empty = case((now == 0, d), else_=steps.c.empty_step)
    p = pairs
    cause_of = and_(
        p.c.rid == ar.c.rid,
        now >= m,
        steps.c.day == steps.c.short_step,
        p.c.hi == steps.c.day,
    )
    return (
        select(
            ar,
            now.label("now"),
            steps.c.day,
            steps.c.q,
            first_short.label("first_short_on"),
            first_empty.label("first_empty_on"),
            p.c.person_id,
            case((p.c.leave_date == p.c.hi, 1), else_=0).label("leaves"),
            case((p.c.end_on == p.c.hi, 1), else_=0).label("assignment_ends"),
            case((p.c.expires_on == p.c.hi, 1), else_=0).label("assessment_expires"),
            Person.employee_number,
            Person.name.label("person_name"),
        )
        .select_from(ar)
        .outerjoin(counts, counts.c.rid == ar.c.rid)
        .outerjoin(steps, steps.c.rid == ar.c.rid)
        .outerjoin(p, cause_of)
        .outerjoin(Person, Person.id == p.c.person_id)
    )


def compute(as_of: date, days: int, filters: GapFilter | None = None) -> list[ForecastRow]:
    """The forecast straight from SQL (one statement), in DESIGN.md's order."""
    return [row for _organisation_id, row in _compute(as_of, days, filters)]


def compute_by_organisation(as_of: date, days: int) -> list[tuple[int, ForecastRow]]:
    """The forecast of every organisation at once (one statement over all of them, each
    requirement with its own organisation's people): (organisation id, row) pairs in
    DESIGN.md's order. The rows are those `compute` gives within each organisation."""
    return _compute(as_of, days, None, by_organisation=True)


def _compute(
    as_of: date, days: int, filters: GapFilter | None, by_organisation: bool = False
) -> list:
    rows: dict[int, ForecastRow] = {}
    organisations: dict[int, int | None] = {}
    steps: dict[int, dict[date, int]] = {}
    causes: dict[int, list[Cause]] = {}
    stmt = _statement(as_of, days, filters, by_organisation)
    if by_organisation:
        stmt = stmt.execution_options(all_organisations=True)
    for r in db.session.execute(stmt):
        if r.rid not in rows:
            organisations[r.rid] = r.organisation_id if by_organisation else None
            rows[r.rid] = ForecastRow(
                requirement_id=r.rid,
                service_id=r.service_id,
                service_code=r.service_code,
                service_name=r.service_name,
                criticality=r.criticality,
                provider_id=r.provider_id,
                competence_id=r.competence_id,
                competence_code=r.competence_code,
                competence_name=r.competence_name,
                framework_id=r.framework_id,
                required_level=r.required_level,
                min_holders=r.min_holders,
                holders_now=int(r.now),
                first_short_on=_as_date(r.first_short_on),
                first_empty_on=_as_date(r.first_empty_on),
                steps=(),
                causes=(),
                competence_name_en=r.competence_name_en,
            )
        if r.day is not None:
            steps.setdefault(r.rid, {})[_as_date(r.day)] = int(r.q)
        if r.person_id is not None:
            for kind in model.CAUSE_KINDS:
                if getattr(r, kind):
                    causes.setdefault(r.rid, []).append(
                        Cause(kind, r.person_id, r.employee_number, r.person_name, _as_date(r.day))
                    )
    result = [
        (
            organisations[rid],
            replace(
                row,
                steps=tuple(sorted(steps.get(rid, {}).items())),
                causes=tuple(sorted(causes.get(rid, ()), key=model.cause_order)),
            ),
        )
        for rid, row in rows.items()
    ]
    return sorted(result, key=lambda pair: model.sort_key(pair[1]))


# --- the cache on the audit head -------------------------------------------------------------


def _compute_some(as_of: date, days: int, requirement_ids: tuple[int, ...] | None):
    filters = None if requirement_ids is None else GapFilter(requirement_ids=requirement_ids)
    return compute(as_of, days, filters)


# Cached on the audit head like the gap analysis (the same events say what to recompute), in
# memory and in the database: every write moves the head, so a forecast computed before a
# write is never served after it.
_forecasts = gap_cache.HeadCache("forecast", ForecastRow, _compute_some, model.sort_key, size=8)


def _full(as_of: date, days: int) -> list[ForecastRow]:
    """The whole forecast, from the cache when the gap cache is on."""
    if not gap_cache.enabled():
        return compute(as_of, days)
    rows = _forecasts.get(as_of, days)
    assert rows is not None
    return rows


def clear_cache() -> None:
    """Forget every forecast this process holds."""
    _forecasts.clear()


def resolve_days(days: int | None) -> int:
    """The window in days: given, else FORECAST_DAYS from the config, else 365."""
    if days is not None:
        return days
    configured = current_app.config["FORECAST_DAYS"] if has_app_context() else None
    return model.DEFAULT_DAYS if configured is None else configured


def forecast(
    as_of: date | None = None, days: int | None = None, filters: GapFilter | None = None
) -> list[ForecastRow]:
    """Every analysed requirement's forecast over [D, D + N] (default today and 365 days),
    ordered by first short day (empty last), then service code, then competence code.
    Without a narrowing filter it comes from the cache on the audit head."""
    as_of, days = as_of or date.today(), resolve_days(days)
    if filters and filters.narrows_requirements():
        return _narrowed(as_of, days, filters)
    return _full(as_of, days)


def _narrowed(as_of: date, days: int, filters: GapFilter) -> list[ForecastRow]:
    """Some requirements' forecast: from the cached whole when it is at hand (as for the gap
    analysis), else from SQL for just those, memoised on the audit head."""
    if not gap_cache.enabled():
        return compute(as_of, days, filters)
    whole = None if filters.areas else _forecasts.get(as_of, days, compute=False)
    if whole is not None:
        return [row for row in whole if filters.admits(row, ignore=("statuses", "areas"))]
    from registry.gaps.services import head_cache  # it builds on the gap cache

    return list(
        head_cache.memo(
            ("forecast", as_of, days, filters), lambda: tuple(compute(as_of, days, filters))
        )
    )


def by_requirement(as_of: date | None = None, days: int | None = None) -> dict[int, ForecastRow]:
    """The whole forecast by requirement id (for the gap list and its exports)."""
    return {row.requirement_id: row for row in forecast(as_of, days)}


# --- upcoming shortfalls (the dashboard's "Komende tekorten", digests) -----------------------

UPCOMING_DAYS = 365
UPCOMING_SHOWN = 25


@dataclass(frozen=True)
class Upcoming:
    """Requirements that are covered enough today but fall short within the window, by month
    (first day of the month → rows, in date order); `total` counts them all, `months` holds
    the first `limit` of them."""

    months: list[tuple[date, list[ForecastRow]]]
    total: int
    shown: int
    until: date


def upcoming(
    as_of: date | None = None,
    days: int = UPCOMING_DAYS,
    limit: int | None = UPCOMING_SHOWN,
    service_ids=None,
) -> Upcoming:
    """The requirements whose first short day lies after D and within `days`, soonest first,
    grouped by month; at most `limit` of them (None: all), optionally for some services."""
    as_of = as_of or date.today()
    rows = [
        r
        for r in forecast(as_of, days)
        if r.first_short_on is not None
        and r.first_short_on > as_of
        and (service_ids is None or r.service_id in service_ids)
    ]
    shown = rows if limit is None else rows[:limit]
    months: dict[date, list[ForecastRow]] = {}
    for row in shown:
        assert row.first_short_on is not None  # chosen above
        months.setdefault(row.first_short_on.replace(day=1), []).append(row)
    return Upcoming(list(months.items()), len(rows), len(shown), model.window_end(as_of, days))
