"""What the list pages' reads share: a literal "contains" pattern and counts per record."""

from sqlalchemy import func, or_, select

from registry.core.extensions import db


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(text: str, *columns):
    """A condition: one of `columns` contains `text` (case-insensitive, wildcards literal)."""
    pattern = like(text)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def counts_by(column, ids: list[int]) -> dict[int, int]:
    """How many rows refer to each of `ids` through `column`, in one query."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(column, func.count()).where(column.in_(ids)).group_by(column)
        ).all()
    )
