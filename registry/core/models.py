"""Declarative base with a constraint naming convention, and the shared column mixins."""

from datetime import UTC, datetime

from sqlalchemy import MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time in UTC, naive (stored as UTC everywhere)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Versioned:
    """Optimistic locking: SQLAlchemy bumps `version` on every UPDATE and refuses stale ones."""

    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__dict__.get("version", cls.version)}


ENUM_KW = {"native_enum": False, "create_constraint": True, "validate_strings": True}
