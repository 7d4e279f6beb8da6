"""Recording audit events in the caller's transaction, and verifying the stored chain."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from registry.domain import audit_chain
from registry.extensions import db
from registry.models import AuditEvent, AuditHead
from registry.models.base import utcnow

SECRET_COLUMNS = {"password_hash", "totp_secret"}
_HEAD_KEY = "audit_head"


@dataclass(frozen=True)
class Actor:
    """Who did it and from where; `source` is an address or `cli`."""

    id: int | None
    email: str | None
    role: str | None
    source: str | None

    @classmethod
    def system(cls, source: str = "cli", email: str | None = None) -> "Actor":
        return cls(None, email or "system", "system", source)

    @classmethod
    def of(cls, user, source: str | None) -> "Actor":
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(None, None, None, source)
        return cls(user.id, user.email, user.role, source)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj) -> dict:
    """Column values of a model instance as plain data, secrets left out."""
    mapper = inspect(obj).mapper
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in SECRET_COLUMNS
    }


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, for compact update events."""
    keys = [k for k in after if before.get(k) != after.get(k) and k != "version"]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _head(session: Session) -> AuditHead:
    head = session.info.get(_HEAD_KEY)
    if head is None:
        head = session.execute(
            select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            head = AuditHead(id=1, count=0, hash=audit_chain.GENESIS)
            session.add(head)
        session.info[_HEAD_KEY] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session, transaction):
    # The cached head is only valid inside the transaction that locked it.
    if transaction.parent is None:
        session.info.pop(_HEAD_KEY, None)


def record(actor: Actor, action: str, entity: str, entity_id=None, before=None, after=None,
           result: str = "success") -> AuditEvent:
    """Append one event to the chain, in the current transaction (flushes, never commits)."""
    session = db.session
    head = _head(session)
    before_text = audit_chain.dumps(before) if before is not None else None
    after_text = audit_chain.dumps(after) if after is not None else None
    ev = AuditEvent(
        seq=head.count + 1,
        at=utcnow(),
        actor_id=actor.id,
        actor_email=actor.email,
        actor_role=actor.role,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before_text,
        after=after_text,
        result=result,
        source=actor.source,
        payload_digest=audit_chain.payload_digest(before_text, after_text),
        prev_hash=head.hash,
    )
    ev.hash = audit_chain.chain_hash(head.hash, event_fields(ev))
    head.count, head.hash = ev.seq, ev.hash
    session.add(ev)
    return ev


def event_fields(ev: AuditEvent) -> dict:
    """An event as the plain dict the chain functions read."""
    return {
        "seq": ev.seq, "at": ev.at.isoformat(), "actor_id": ev.actor_id,
        "actor_email": ev.actor_email, "actor_role": ev.actor_role, "action": ev.action,
        "entity": ev.entity, "entity_id": ev.entity_id, "result": ev.result,
        "source": ev.source, "payload_digest": ev.payload_digest, "before": ev.before,
        "after": ev.after, "redacted": ev.redacted, "prev_hash": ev.prev_hash, "hash": ev.hash,
    }


def verify_chain(expect: tuple[int, str] | None = None) -> audit_chain.Verification:
    """Verify the whole stored chain, streaming events in seq order."""
    rows = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    ).scalars()
    return audit_chain.verify((event_fields(ev) for ev in rows), expect)
