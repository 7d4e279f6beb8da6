"""The cache of full analyses, keyed on the audit head (count and hash): every write records
an audit event, so a write always moves the head and figures computed before it are never
served after it. When the head has moved, the events since the cached head say which
requirements can have changed; only those are recomputed (logins and other events that cannot
change a figure recompute nothing; imports and anything unknown recompute everything). A
transaction that has written anything bypasses the cache.
"""

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import or_, select

from registry.domain.audit_chain import GENESIS
from registry.extensions import db
from registry.models import (
    Assignment,
    AuditEvent,
    AuditHead,
    Competence,
    Holding,
    Requirement,
    Service,
)
from registry.services.gaps import sql
from registry.services.gaps.rows import GapFilter, GapRow, report_order

_CACHE_SIZE = 16
_MAX_EVENTS = 500  # more events than this since the cached head: recompute everything
# Events of these entities never change a gap figure (accounts, logins and refusals,
# mitigations, the org-unit tree, redactions, trend snapshots): the cached analysis stays as it is.
_NEUTRAL_ENTITIES = frozenset({"user", "mitigation", "org_unit", "audit_event", "snapshot"})
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class _Entry:
    """A full analysis and the audit head it was computed at."""

    count: int
    hash: str
    rows: tuple[GapRow, ...]


def enabled() -> bool:
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
    return session.execute(
        select(AuditHead.count, AuditHead.hash).where(AuditHead.id == 1)
    ).one_or_none()


def full_analysis(as_of: date, horizon: int) -> list[GapRow]:
    head = _head()
    if head is None:
        return sql.compute(as_of, horizon, None)
    key = (str(db.engine.url), as_of, horizon)
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and (entry.count, entry.hash) == (head.count, head.hash):
        return list(entry.rows)
    rows = None
    if entry is not None and entry.count < head.count:
        rows = _refreshed(entry, head, as_of, horizon)
    if rows is None:
        rows = sql.compute(as_of, horizon, None)
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
        select(
            AuditEvent.seq,
            AuditEvent.hash,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.before,
            AuditEvent.after,
        )
        .where(AuditEvent.seq >= entry.count, AuditEvent.seq <= head.count)
        .order_by(AuditEvent.seq)
    ).all()
    # The chain must run on from the cached head (a cached head from a transaction that was
    # rolled back has a different hash), without gaps, to the current head.
    if entry.count == 0:
        chained = entry.hash == GENESIS
    else:
        chained = bool(events) and (events[0].seq, events[0].hash) == (entry.count, entry.hash)
        events = events[1:]
    if (
        not chained
        or [e.seq for e in events] != list(range(entry.count + 1, head.count + 1))
        or events[-1].hash != head.hash
    ):
        return None
    changes = _Changes()
    if not all(changes.add(event) for event in events):
        return None
    affected = changes.requirement_ids(entry.rows)
    if len(affected) > max(50, len(entry.rows) // 2):
        return None  # most of the registry: one full statement is cheaper
    fresh = (
        sql.compute(as_of, horizon, GapFilter(requirement_ids=tuple(sorted(affected))))
        if affected
        else []
    )
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
            or_(Holding.id.in_(self.holdings), Holding.person_id.in_(self.people))
        )
        assignment_services = select(Assignment.service_id).where(
            or_(Assignment.id.in_(self.assignments), Assignment.person_id.in_(self.people))
        )
        found = set(
            db.session.execute(
                select(r.id)
                .join(Service, Service.id == r.service_id)
                .join(Competence, Competence.id == r.competence_id)
                .where(
                    or_(
                        r.id.in_(self.requirements),
                        r.service_id.in_(self.services),
                        r.competence_id.in_(self.competences),
                        Service.provider_id.in_(self.providers),
                        Competence.framework_id.in_(self.frameworks),
                        r.competence_id.in_(holding_competences),
                        r.service_id.in_(assignment_services),
                    )
                )
            ).scalars()
        )
        competences = self.competences | {c for (c,) in db.session.execute(holding_competences)}
        services = self.services | {s for (s,) in db.session.execute(assignment_services)}
        found.update(
            row.requirement_id
            for row in rows
            if row.requirement_id in self.requirements
            or row.service_id in services
            or row.competence_id in competences
            or row.provider_id in self.providers
            or row.framework_id in self.frameworks
        )
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
