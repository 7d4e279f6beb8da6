"""The cache of full analyses, keyed on the audit head (count and hash): every write records
an audit event, so a write always moves the head and figures computed before it are never
served after it. When the head has moved, the events since the cached head name the records
written (entity and id); `SCOPE` says which requirements each kind of record can change, and
only those are recomputed (logins and other events that cannot change a figure recompute
nothing; imports, deletes of holdings or assignments and anything unknown recompute
everything). A transaction that has written anything bypasses the cache.

Measured by `registry bench` at region scale (imported data: 50,000 people, 400,000 holdings;
an idle 2-core machine, 2026-12-04, medians of 5): the dashboard's first view after one write
takes 168 ms on SQLite and 108 ms on PostgreSQL with the incremental refresh, against 1.6 s and
1.8 s when everything is recomputed (its "nothing stored" figure), so the refresh is kept.
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import or_, select

from registry.audit.models.audit import AuditEvent, AuditHead
from registry.audit.rules.audit_chain import GENESIS
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps.services import sql, store
from registry.gaps.services.rows import GapFilter, GapRow, report_order
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

_MAX_EVENTS = 500  # more events than this since the cached head: recompute everything
# Events of these entities never change a gap figure (accounts, logins and refusals,
# mitigations, the org-unit tree, redactions, trend snapshots): the cached analysis stays as it is.
_NEUTRAL_ENTITIES = frozenset(
    {
        "user",
        "mitigation",
        "org_unit",
        "audit_event",
        "snapshot",
        "digest",
        "attestation",
        "api_token",
    }
)
logger = logging.getLogger(__name__)


class HeadCache:
    """Full computations of one kind (every analysed requirement for an as-of date and a
    horizon or window), kept on the audit head: in memory per process, and in the database
    (`store`) for the next process. When the head has moved, the events since name what was
    written (`affected_since`) and only those requirements are recomputed.

    `compute(as_of, parameter, requirement_ids)` computes every row (None) or those rows;
    `order` sorts rows as the full computation returns them."""

    def __init__(self, kind: str, row_type: type, compute, order, size: int) -> None:
        self.kind, self.row_type, self.size = kind, row_type, size
        self._compute, self._order = compute, order
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, as_of: date, parameter: int, compute: bool = True) -> list | None:
        """The rows at the current head: from memory, brought up to date from memory or from
        the database, or (with `compute`) computed; None when none of that is possible
        without a full computation and `compute` is off."""
        head = _head()
        if head is None:
            return self._compute(as_of, parameter, None) if compute else None
        # Per database and organisation: a scope never sees another's figures.
        key = (str(db.engine.url), tenancy.current_organisation_id(), as_of, parameter)
        with self._lock:
            entry = self._entries.get(key)
        rows = self._current(entry, head, as_of, parameter)
        if rows is None:
            stored = store.load(self.kind, self.row_type, as_of, parameter)
            rows = self._current(stored, head, as_of, parameter)
        computed = rows is None
        if rows is None:
            if not compute:
                return None
            logger.info(
                "%s cache: full computation for %s/%s at head %s",
                self.kind,
                as_of,
                parameter,
                head.count,
            )
            rows = self._compute(as_of, parameter, None)
        with self._lock:
            current = self._entries.get(key)
            if current is None or current.count <= head.count:  # never step back to an older head
                self._entries[key] = _Entry(head.count, head.hash, tuple(rows))
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        if computed:
            store.save(self.kind, self.row_type, as_of, parameter, head.count, head.hash, rows)
        return rows

    def _current(self, entry, head, as_of: date, parameter: int) -> list | None:
        """`entry`'s rows brought up to `head` by recomputing only the requirements the events
        since can have changed; None when that cannot be bounded or is not worth it."""
        if entry is None or entry.count > head.count:
            return None
        if (entry.count, entry.hash) == (head.count, head.hash):
            return list(entry.rows)
        affected = affected_since(entry.count, entry.hash, head, entry.rows)
        if affected is None:
            return None
        fresh = self._compute(as_of, parameter, tuple(sorted(affected))) if affected else []
        kept = [row for row in entry.rows if row.requirement_id not in affected]
        return sorted(kept + fresh, key=self._order)

    def clear(self) -> None:
        """Forget what this process holds (the database's stored results stay)."""
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class _Entry:
    """A full computation and the audit head it was made at."""

    count: int
    hash: str
    rows: tuple


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


def _compute_gaps(as_of: date, horizon: int, requirement_ids: tuple[int, ...] | None):
    filters = None if requirement_ids is None else GapFilter(requirement_ids=requirement_ids)
    return sql.compute(as_of, horizon, filters)


_gaps = HeadCache("gaps", GapRow, _compute_gaps, report_order, size=16)


def full_analysis(as_of: date, horizon: int) -> list[GapRow]:
    """Every analysed requirement at the current head: cached, refreshed, or computed."""
    rows = _gaps.get(as_of, horizon)
    assert rows is not None
    return rows


def cached_analysis(as_of: date, horizon: int) -> list[GapRow] | None:
    """The full analysis when it is at hand at the current head, or can be brought there by
    recomputing a few requirements; None otherwise (then a narrow question is cheaper to ask
    the database directly than a full analysis would be)."""
    return _gaps.get(as_of, horizon, compute=False)


def affected_since(count: int, hash_: str, head, rows) -> set[int] | None:
    """The requirements whose figures the audit events after (count, hash_) up to `head` can
    have changed, judged through SCOPE against the database and the cached `rows`; None when
    that cannot be bounded (a broken or rolled-back chain, too many events, an entity outside
    SCOPE) or is most of the registry."""
    if head.count - count > _MAX_EVENTS:
        return None
    events = db.session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.hash,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
        )
        .where(AuditEvent.seq >= count, AuditEvent.seq <= head.count)
        .order_by(AuditEvent.seq)
        .execution_options(all_organisations=True)  # the whole chain, to the head
    ).all()
    # The chain must run on from the cached head (a cached head from a transaction that was
    # rolled back has a different hash), without gaps, to the current head.
    if count == 0:
        chained = hash_ == GENESIS
    else:
        chained = bool(events) and (events[0].seq, events[0].hash) == (count, hash_)
        events = events[1:]
    if (
        not chained
        or [e.seq for e in events] != list(range(count + 1, head.count + 1))
        or events[-1].hash != head.hash
    ):
        return None
    changes = _Changes()
    if not all(changes.add(event) for event in events):
        return None
    affected = changes.requirement_ids(rows)
    if len(affected) > max(50, len(rows) // 2):
        return None  # most of the registry: one full statement is cheaper
    return affected


# The contract between writes and the cache. Every write records an audit event naming its
# entity and id (`audit.record`); this table says which requirements an event of each entity
# can change, found through the database as it is after the write (never through the
# before/after values of the event). Entities not listed (imports, anything new) recompute
# everything, and so do deletes of holdings and assignments: once the row is gone, nothing
# says which requirements it counted for. A new entity that can change a figure must be added
# here; tests/unit/test_gaps_sql.py checks at random that no write leaves a stale figure.
SCOPE = {
    "holding": "requirements of the held competence, and of the services its person is on",
    "assignment": "requirements of the service, and of the competences its person holds",
    "person": "requirements of the services they are assigned to and competences they hold",
    "requirement": "that requirement",
    "service": "the service's requirements",
    "competence": "the requirements of that competence",
    "provider": "the requirements of its services",
    "framework": "the requirements of its competences",
}
_UNBOUNDED_DELETES = frozenset({"holding", "assignment"})


class _Changes:
    """The entities a run of audit events touched (see SCOPE), by id."""

    def __init__(self):
        self.ids: dict[str, set[int]] = {entity: set() for entity in SCOPE}

    def add(self, event) -> bool:
        """Note one event; False when its effect cannot be bounded (recompute everything)."""
        if event.entity in _NEUTRAL_ENTITIES:
            return True
        if event.entity not in SCOPE:
            return False
        if event.action == "delete" and event.entity in _UNBOUNDED_DELETES:
            return False
        try:
            self.ids[event.entity].add(int(event.entity_id))
        except (TypeError, ValueError):
            return False
        return True

    def requirement_ids(self, rows: tuple[GapRow, ...]) -> set[int]:
        """Requirements whose row may differ: found through the database now, and among the
        cached rows (which still hold what has since been deleted or moved)."""
        ids = self.ids
        people = (
            select(Holding.person_id)
            .where(Holding.id.in_(ids["holding"]))
            .union(
                select(Assignment.person_id).where(Assignment.id.in_(ids["assignment"])),
                select(Person.id).where(Person.id.in_(ids["person"])),
            )
        )
        competences = select(Holding.competence_id).where(Holding.person_id.in_(people))
        services = select(Assignment.service_id).where(Assignment.person_id.in_(people))
        service_ids = set(ids["service"]) | set(db.session.scalars(services))
        competence_ids = set(ids["competence"]) | set(db.session.scalars(competences))
        r = Requirement
        found = set(
            db.session.scalars(
                select(r.id)
                .join(Service, Service.id == r.service_id)
                .join(Competence, Competence.id == r.competence_id)
                .where(
                    or_(
                        r.id.in_(ids["requirement"]),
                        r.service_id.in_(service_ids),
                        r.competence_id.in_(competence_ids),
                        Service.provider_id.in_(ids["provider"]),
                        Competence.framework_id.in_(ids["framework"]),
                    )
                )
            )
        )
        found.update(
            row.requirement_id
            for row in rows
            if row.requirement_id in ids["requirement"]
            or row.service_id in service_ids
            or row.competence_id in competence_ids
            or row.provider_id in ids["provider"]
            or row.framework_id in ids["framework"]
        )
        return found


def clear_cache() -> None:
    """Forget every analysis this process holds (the cache is also invalidated by every
    write; stored results in the database stay, and are only used at their own head)."""
    _gaps.clear()
