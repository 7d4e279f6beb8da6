"""Audited writes: add, change or delete one record, flush, and record its audit event with
the values it had and has (`audit.snapshot`), in the caller's transaction.

The steps every maintenance service shares (the catalogue's, the mitigations'), so that each
writes and audits a record the same way: an update records only the fields that really
changed, a delete records the values it removed, and an UPDATE or DELETE that finds a newer
version becomes a `StaleRecord`. They live here, beside `audit.record`, because they are
about what the audit log receives; the value checks before them are `core.checks`.
"""

from sqlalchemy.orm.exc import StaleDataError

from registry.audit.services import audit
from registry.core.errors import StaleRecord
from registry.core.extensions import db


def flush(obj) -> None:
    """Flush; an UPDATE or DELETE that finds a newer version becomes a StaleRecord."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(obj) from error


def create(actor: audit.Actor, entity: str, obj):
    """Add `obj` and audit it as created with all its values."""
    db.session.add(obj)
    flush(obj)
    audit.record(actor, "create", entity, obj.id, after=audit.snapshot(obj))
    return obj


def update(actor: audit.Actor, action: str, entity: str, obj, values: dict):
    """Set `values` on `obj`; audit only the fields that really changed."""
    before = audit.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    flush(obj)
    old, new = audit.changes(before, audit.snapshot(obj))
    if new:
        audit.record(actor, action, entity, obj.id, before=old, after=new)
    return obj


def delete(actor: audit.Actor, entity: str, obj) -> None:
    """Delete `obj` and audit the values it removed."""
    before = audit.snapshot(obj)
    db.session.delete(obj)
    flush(obj)
    audit.record(actor, "delete", entity, before["id"], before=before)
