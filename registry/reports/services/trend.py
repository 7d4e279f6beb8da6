"""Snapshots of the gap analysis and coverage over time.

`record_snapshot` stores each analysed requirement's status for one day (replacing what that
day had: a second run never duplicates); the trend page and the service dossier read coverage
per day from those rows with one grouped query per figure.
"""

from datetime import date

from sqlalchemy import delete, func, insert, select

from registry.audit.services import audit
from registry.catalogue.models.services import Provider, Service
from registry.core import tenancy
from registry.core.database import dml_result
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules
from registry.reports import rules as domain
from registry.reports.models import StatusSnapshot

S = StatusSnapshot


def record_snapshot(
    actor: audit.Actor, day: date | None = None, horizon: int | None = None, computed=None
) -> int:
    """Store every analysed requirement's status on `day` (default today), replacing that
    day's earlier snapshot; one audit event. A day other than today is marked as computed
    (worked out afterwards from the registry's data), unless `computed` says otherwise.
    Returns the number of requirements stored. Flushes, never commits."""
    day, horizon = gaps.resolve(day, horizon)
    if computed is None:
        computed = day != date.today()
    rows = gaps.analyse(day, horizon)
    organisation_id = tenancy.organisation_for_insert(db.session)
    replaced = dml_result(db.session.execute(delete(S).where(S.day == day))).rowcount
    if rows:
        db.session.execute(
            insert(S),
            [
                {
                    "day": day,
                    "requirement_id": r.requirement_id,
                    "service_id": r.service_id,
                    "competence_id": r.competence_id,
                    "provider_id": r.provider_id,
                    "status": r.status,
                    "holders_now": r.holders_now,
                    "holders_at_horizon": r.holders_at_horizon,
                    "horizon": horizon,
                    "computed": computed,
                    "organisation_id": organisation_id,
                }
                for r in rows
            ],
        )
    counts = gaps.status_counts(rows)
    audit.record(
        actor,
        "snapshot",
        "snapshot",
        day.isoformat(),
        after={
            "day": day.isoformat(),
            "horizon": horizon,
            "requirements": len(rows),
            "replaced": replaced,
            "computed": computed,
            **counts,
        },
    )
    db.session.flush()
    return len(rows)


def first_of_months(today: date, months: int = 12) -> list[date]:
    """The first day of each of the `months` months up to and including today's month."""
    days, year, month = [], today.year, today.month
    for _ in range(months):
        days.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


def load_demo_snapshots(actor: audit.Actor, today: date | None = None) -> int:
    """A year of monthly snapshots for the demo, computed from its own data as of the first
    day of each month (`gaps.analyse(as_of=…)`), plus today's; marked as computed, because
    they were not recorded on those days. Returns the number of snapshot days."""
    today = today or date.today()
    days = [d for d in first_of_months(today) if d < today]
    for day in days:
        record_snapshot(actor, day, computed=True)
    record_snapshot(actor, today, computed=True)
    return len(days) + 1


# --- reading -----------------------------------------------------------------------------------


def snapshot_days(start: date | None = None, end: date | None = None) -> list[date]:
    """The days that have a snapshot, in date order, within [start, end]."""
    stmt = select(S.day).distinct().order_by(S.day)
    if start:
        stmt = stmt.where(S.day >= start)
    if end:
        stmt = stmt.where(S.day <= end)
    return list(db.session.execute(stmt).scalars())


def latest_day() -> date | None:
    return db.session.execute(select(func.max(S.day))).scalar()


def computed_days(days: list[date]) -> list[date]:
    """Which of these days hold computed (not recorded) figures."""
    if not days:
        return []
    stmt = select(S.day).distinct().where(S.day.in_(days), S.computed.is_(True)).order_by(S.day)
    return list(db.session.execute(stmt).scalars())


def _points(counts: dict, days: list[date]) -> list[domain.Point]:
    """One point per day from {day: {status: n}} (days without rows: no requirements)."""
    points = []
    for day in days:
        by_status = counts.get(day)
        if by_status:
            total = sum(by_status.values())
            points.append(domain.Point(day, total, by_status.get(rules.COVERED, 0), by_status))
        else:
            points.append(domain.Point(day, 0, 0, {}))
    return points


def series(days: list[date], service_id: int | None = None) -> list[domain.Point]:
    """Coverage on each of `days`, of the whole registry or of one service (one query)."""
    if not days:
        return []
    stmt = select(S.day, S.status, func.count()).where(S.day.in_(days)).group_by(S.day, S.status)
    if service_id is not None:
        stmt = stmt.where(S.service_id == service_id)
    counts: dict = {}
    for day, status, n in db.session.execute(stmt):
        counts.setdefault(day, {})[status] = n
    return _points(counts, days)


def figures(days: list[date]) -> tuple[list, list, list]:
    """Coverage on each of `days` overall, per provider and per service, from ONE grouped
    query (the three views share it): (points, by_provider, by_service) as returned by
    `series`, `by_provider` and `by_service`."""
    if not days:
        return [], [], []
    stmt = (
        select(S.service_id, S.provider_id, S.day, S.status, func.count())
        .where(S.day.in_(days))
        .group_by(S.day, S.service_id, S.provider_id, S.status)  # the covering index's order
    )
    overall: dict = {}
    providers: dict = {}
    services: dict = {}
    for service_id, provider_id, day, status, n in db.session.execute(stmt):
        for target in (
            overall,
            providers.setdefault(provider_id, {}),
            services.setdefault(service_id, {}),
        ):
            by_status = target.setdefault(day, {})
            by_status[status] = by_status.get(status, 0) + n
    return (
        _points(overall, days),
        _named_providers({k: _points(v, days) for k, v in providers.items()}),
        _named_services({k: _points(v, days) for k, v in services.items()}),
    )


def _named_providers(per: dict) -> list[tuple[int | None, str | None, list[domain.Point]]]:
    """(provider id, name, points) per provider, by name; no provider last."""
    ids = [key for key in per if key is not None]
    stmt = select(Provider.id, Provider.name).where(Provider.id.in_(ids))
    names = {pid: name for pid, name in db.session.execute(stmt).all()}  # noqa: C416
    return sorted(
        ((key, names.get(key), points) for key, points in per.items()),
        key=lambda item: (item[0] is None, (item[1] or "").casefold()),
    )


def _change(points) -> float:
    known = [p.coverage for p in points if p.coverage is not None]
    return known[-1] - known[0] if len(known) > 1 else 0.0


def _named_services(per: dict) -> list[tuple[int, str | None, str | None, list]]:
    """(service id, code, name, points) per service, the largest fall in coverage first."""
    stmt = select(Service.id, Service.code, Service.name).where(Service.id.in_(list(per)))
    names = {sid: (code, name) for sid, code, name in db.session.execute(stmt)}
    items = [(sid, *names.get(sid, (None, None)), points) for sid, points in per.items()]
    return sorted(items, key=lambda item: (_change(item[3]), item[1] or ""))
