"""What the people use cases share beyond the audited writes (`audit.services.writes`):
cleaning input and counting the rows that refer to a record."""

from sqlalchemy import func, select

from registry.core.extensions import db


def _clean(value):
    """Strings are stripped; empty strings become None (an empty cell is empty)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _references(record_id: int, *columns) -> tuple[int, ...]:
    """How many rows refer to `record_id` through each of `columns`, in one query."""
    counts = (
        select(func.count()).where(column == record_id).scalar_subquery() for column in columns
    )
    return tuple(db.session.execute(select(*counts)).one())
