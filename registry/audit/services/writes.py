"""Audited writes: add, change or delete one record, flush, and record its audit event with
the values it had and has (`audit.snapshot`), in the caller's transaction.

The steps every maintenance service shares (the catalogue's, the people's, the mitigations'),
so that each
writes and audits a record the same way: an update records only the fields that really
changed, a delete records the values it removed, and an UPDATE or DELETE that finds a newer
version becomes a `StaleRecord`, and, given a `duplicate` message, a unique constraint that a
concurrent request won becomes that error on `field`. They live here, beside `audit.record`,
because they are about what the audit log receives; the value checks before them are
`core.checks`.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.audit.services import audit
from registry.core.errors import ServiceError, StaleRecord
from registry.core.extensions import db


def flush(obj, duplicate=None, field: str | None = None) -> None:
    """Flush; an UPDATE or DELETE that finds a newer version becomes a StaleRecord, and with a
    `duplicate` message a constraint violation becomes that error on `field`."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(obj) from error
    except IntegrityError as error:
        if duplicate is None:
            raise
        raise ServiceError(duplicate, field) from error


def create(actor: audit.Actor, entity: str, obj, duplicate=None, field: str | None = None):
    """Add `obj` and audit it as created with all its values."""
    db.session.add(obj)
    flush(obj, duplicate, field)
    audit.record(actor, "create", entity, obj.id, after=audit.snapshot(obj))
    return obj


def record_changes(actor: audit.Actor, action: str, entity: str, obj, before: dict) -> None:
    """Audit the fields of `obj` that differ from `before` (its snapshot), if any."""
    old, new = audit.changes(before, audit.snapshot(obj))
    if new:
        audit.record(actor, action, entity, obj.id, before=old, after=new)


def update(
    actor: audit.Actor,
    action: str,
    entity: str,
    obj,
    values: dict,
    duplicate=None,
    field: str | None = None,
):
    """Set `values` on `obj`; audit only the fields that really changed."""
    before = audit.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    flush(obj, duplicate, field)
    record_changes(actor, action, entity, obj, before)
    return obj


def delete(actor: audit.Actor, entity: str, obj) -> None:
    """Delete `obj` and audit the values it removed."""
    before = audit.snapshot(obj)
    db.session.delete(obj)
    flush(obj)
    audit.record(actor, "delete", entity, before["id"], before=before)
