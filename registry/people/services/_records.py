"""What the people use cases share: cleaning input, flushing with a duplicate turned into a
field error, and creating, changing and deleting a record with its audit event."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry.audit.services import audit
from registry.core.errors import ServiceError
from registry.core.extensions import db


def _clean(value):
    """Strings are stripped; empty strings become None (an empty cell is empty)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _flush(duplicate=None, field: str | None = None) -> None:
    """Flush; with a `duplicate` message, a constraint violation (a concurrent duplicate)
    becomes that error on `field`."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if duplicate is None:
            raise
        raise ServiceError(duplicate, field) from error


def _update_event(actor: audit.Actor, entity: str, record, before: dict) -> None:
    old, new = audit.changes(before, audit.snapshot(record))
    if new:
        audit.record(actor, "update", entity, record.id, before=old, after=new)


def _create(actor: audit.Actor, entity: str, record, duplicate, field: str):
    """Add `record` and audit it; a concurrent duplicate becomes `duplicate` on `field`."""
    db.session.add(record)
    _flush(duplicate, field)
    audit.record(actor, "create", entity, record.id, after=audit.snapshot(record))
    return record


def _change(
    actor: audit.Actor, entity: str, record, values: dict, duplicate=None, field: str | None = None
):
    """Set `values` on `record`; audit only the fields that really changed."""
    before = audit.snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    _flush(duplicate, field)
    _update_event(actor, entity, record, before)
    return record


def _references(record_id: int, *columns) -> tuple[int, ...]:
    """How many rows refer to `record_id` through each of `columns`, in one query."""
    counts = (
        select(func.count()).where(column == record_id).scalar_subquery() for column in columns
    )
    return tuple(db.session.execute(select(*counts)).one())


def _delete(actor: audit.Actor, entity: str, record) -> None:
    """Delete `record`; the audit event keeps the values it had."""
    before = audit.snapshot(record)
    db.session.delete(record)
    db.session.flush()
    audit.record(actor, "delete", entity, before["id"], before=before)
