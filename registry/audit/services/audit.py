"""Recording audit events in the caller's transaction, redacting them, and verifying the
stored chain."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from registry.audit.models.audit import AuditEvent, AuditHead
from registry.audit.rules import audit_chain
from registry.core import tenancy
from registry.core.actor import Actor
from registry.core.database import bulk_insert
from registry.core.extensions import db
from registry.core.models import utcnow

SECRET_COLUMNS = {"password_hash", "totp_secret"}
IMPLIED_COLUMNS = {"organisation_id"}
_HEAD_KEY = "audit_head"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj) -> dict:
    """Column values of a model instance as plain data, secrets left out, and the
    organisation too (the event is recorded in that organisation). A model may add values
    that are not columns of its own (`audit_values`, such as an account's role)."""
    mapper = inspect(obj).mapper
    values = {
        column.key: _plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in SECRET_COLUMNS and column.key not in IMPLIED_COLUMNS
    }
    extra = getattr(obj, "audit_values", None)
    return extra(values) if extra is not None else values


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, for compact update events."""
    keys = [k for k in after if before.get(k) != after.get(k) and k != "version"]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _head() -> AuditHead:
    """The head row, locked in this transaction (read once per transaction)."""
    session = db.session
    head = session.info.get(_HEAD_KEY)
    if head is None:
        head = session.execute(
            select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            # A database restored without its head row: continue from the last event.
            last = session.execute(
                select(AuditEvent)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
                .execution_options(all_organisations=True)
            ).scalar_one_or_none()
            head = AuditHead(
                id=1, count=last.seq if last else 0, hash=last.hash if last else audit_chain.GENESIS
            )
            session.add(head)
        session.info[_HEAD_KEY] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session, transaction):
    # The cached head is only valid inside the transaction that locked it.
    if transaction.parent is None:
        session.info.pop(_HEAD_KEY, None)


def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object = None,
    before: object = None,
    after: object = None,
    result: str = "success",
) -> AuditEvent:
    """Append one event to the chain, in the current transaction (flushes, never commits)."""
    session = db.session
    head = _head()
    ev = AuditEvent(**_event_row(head, actor, action, entity, entity_id, before, after, result))
    head.count, head.hash = ev.seq, ev.hash
    session.add(ev)
    return ev


def record_many(actor: Actor, events: Iterable[tuple]) -> int:
    """Append many events at once, as `record` would one by one: `events` are tuples
    (action, entity, entity_id, before, after). Inserted in one statement, for bulk work like an
    import; returns how many."""
    session = db.session
    head = _head()
    position = _Position(head.count, head.hash)
    rows = []
    for action, entity, entity_id, before, after in events:
        row = _event_row(position, actor, action, entity, entity_id, before, after, "success")
        position.count, position.hash = row["seq"], row["hash"]
        rows.append(row)
    if rows:
        bulk_insert(session, AuditEvent.__table__, rows)
        head.count, head.hash = position.count, position.hash
    return len(rows)


@dataclass
class _Position:
    count: int
    hash: str


class _EventRow(TypedDict):
    """The column values of one new audit event (`at` as the datetime stored)."""

    seq: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    result: str
    source: str | None
    payload_digest: str
    before: str | None
    after: str | None
    redacted: bool
    prev_hash: str
    hash: str
    organisation_id: int | None


def _event_row(
    head: AuditHead | _Position,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    before: object,
    after: object,
    result: str,
) -> _EventRow:
    """The column values of the event that follows `head` (the head itself is not moved)."""
    before_text = audit_chain.dumps(before) if before is not None else None
    after_text = audit_chain.dumps(after) if after is not None else None
    at = utcnow()
    chained: audit_chain.ChainedEvent = {
        "seq": head.count + 1,
        "at": at.isoformat(),
        "actor_id": actor.id,
        "actor_email": actor.email,
        "actor_role": actor.role,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "result": result,
        "source": actor.source,
        "payload_digest": audit_chain.payload_digest(before_text, after_text),
    }
    return {
        **chained,
        "hash": audit_chain.chain_hash(head.hash, chained),
        "organisation_id": _recorded_in(entity),
        "at": at,
        "before": before_text,
        "after": after_text,
        "redacted": False,
        "prev_hash": head.hash,
    }


# What the whole region shares: its events are the region's, not one organisation's.
REGION_ENTITIES = frozenset({"competence", "framework", "provider", "organisation"})


def _recorded_in(entity: str) -> int | None:
    """The organisation an event is recorded in: the one acted in (a command outside one:
    the registry's only organisation); None, the region, for the shared catalogue and
    organisations, and for what happens outside any organisation of a registry of several
    (a visitor's failed login). Not part of the hash (see docs/AUDIT.md)."""
    if entity in REGION_ENTITIES:
        return None
    organisation_id = tenancy.current_organisation_id()
    if organisation_id in (None, tenancy.NOBODY):
        return tenancy.sole_organisation_id(db.session)
    return organisation_id


def event_fields(ev: AuditEvent) -> audit_chain.StoredEvent:
    """An event as the plain dict the chain functions read."""
    return {
        "seq": ev.seq,
        "at": ev.at.isoformat(),
        "actor_id": ev.actor_id,
        "actor_email": ev.actor_email,
        "actor_role": ev.actor_role,
        "action": ev.action,
        "entity": ev.entity,
        "entity_id": ev.entity_id,
        "result": ev.result,
        "source": ev.source,
        "payload_digest": ev.payload_digest,
        "before": ev.before,
        "after": ev.after,
        "redacted": ev.redacted,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


REDACTED = audit_chain.REDACTED


def _mentions(text: str | None, fields: tuple[str, ...]) -> bool:
    """Whether the stored payload holds a non-empty value for one of `fields`."""
    if text is None:
        return False
    value = json.loads(text)
    return isinstance(value, dict) and any(value.get(name) is not None for name in fields)


def _scrub(text: str | None) -> str | None:
    """Every value replaced by the redaction marker; the keys stay (they are not personal)."""
    if text is None:
        return None
    return audit_chain.dumps(audit_chain.scrubbed(json.loads(text)))


def redact(
    actor: Actor,
    events: Iterable[AuditEvent],
    fields: Iterable[str] | None = None,
    reason: str | None = None,
) -> AuditEvent | None:
    """Remove personal data from the before/after values of `events` and record the redaction
    as an event of its own, so the chain still verifies. Redaction events themselves are never
    redacted. Flushes, never commits.

    A redaction scrubs every value of an event's before/after (the keys stay): verification
    can then prove that a redacted payload holds nothing but markers, so a rewrite cannot pass
    as a redaction. With `fields`, only the events that hold one of these fields are redacted
    (all their values; the others cannot be proven unchanged once the digest no longer
    matches)."""
    fields = None if fields is None else tuple(fields)
    seqs = []
    for ev in events:
        if ev.action == audit_chain.REDACT_ACTION and ev.entity == audit_chain.REDACT_ENTITY:
            continue
        if fields is not None and not (_mentions(ev.before, fields) or _mentions(ev.after, fields)):
            continue
        before, after = _scrub(ev.before), _scrub(ev.after)
        if (before, after) == (ev.before, ev.after):
            continue
        ev.before, ev.after, ev.redacted = before, after, True
        seqs.append(ev.seq)
    if not seqs:
        return None
    return record(
        actor,
        audit_chain.REDACT_ACTION,
        audit_chain.REDACT_ENTITY,
        None,
        after={
            "events": sorted(seqs),
            "fields": list(fields) if fields else None,
            "reason": reason,
        },
    )


def locked_head() -> tuple[int, str]:
    """The head (count, hash) in this transaction, locked until it ends: what is read next
    is read at exactly this head, and the next event appended follows on from it."""
    head = _head()
    return head.count, head.hash


def recorded_head() -> tuple[int, str]:
    """The head (count, hash) the database keeps in its head row, updated with every event."""
    head = db.session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        return 0, audit_chain.GENESIS
    return head.count, head.hash


def verify_chain(
    expect: tuple[int, str] | None = None, anchors: Iterable[tuple[int, str]] = ()
) -> audit_chain.Verification:
    """Verify the whole stored chain, streaming events in seq order.

    Besides `expect` (a head noted earlier), the chain must pass through the head row the
    database recorded, which catches a truncated tail unless the head row was forged too.
    The head row is read first, so events appended meanwhile do not count as tampering.
    """
    recorded = recorded_head()
    rows = db.session.execute(
        select(AuditEvent)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=2000, all_organisations=True)
    ).scalars()
    return audit_chain.verify((event_fields(ev) for ev in rows), expect, recorded, anchors)
