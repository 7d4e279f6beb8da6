"""Organisations and memberships."""

from sqlalchemy import DDL, Enum, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import ENUM_KW, Base, Versioned
from registry.core.permissions import ROLES
from registry.organisations import rules


class Organisation(Versioned, Base):
    """A municipality, a shared-service organisation or another organisation whose services,
    people and evidence the registry holds; `code` is a municipality's CBS code (GM0363)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(rules.CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(rules.NAME_MAX))
    kind: Mapped[str] = mapped_column(
        Enum(*rules.KINDS, name="kind", **ENUM_KW),
        default="municipality",
        server_default="municipality",
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class Membership(Base):
    """A user's role in one organisation, or (organisation_id NULL) in the whole region."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(Enum(*ROLES, name="role", **ENUM_KW))

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.organisation_id or 'region'}:{self.role}>"


# A registry holds at least one organisation. Migration 0012 makes it; a database built with
# `create_all` (the benchmark's) gets it from these statements.
_DEFAULT = (
    "INSERT INTO organisations (id, code, name, kind, version) VALUES (1, '{}', '{}', '{}', 1)"
)
_DEFAULT = _DEFAULT.format(rules.DEFAULT_CODE, rules.DEFAULT_NAME, "municipality")
event.listen(Organisation.__table__, "after_create", DDL(_DEFAULT))
event.listen(
    Organisation.__table__,
    "after_create",
    DDL("SELECT setval('organisations_id_seq', 1)").execute_if(dialect="postgresql"),
)
