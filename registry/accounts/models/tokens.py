"""API tokens: personal or service bearer tokens of a user account, stored hashed."""

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.accounts import rules as accounts_rules
from registry.accounts.models.users import User
from registry.core.models import ENUM_KW, Base, utcnow
from registry.organisations.models import Organisation

TOKEN_SCOPES = ("read", "write")


class ApiToken(Base):
    """A bearer token acting as `user` (its role) within `scope`, until it expires or is revoked;
    in every organisation its user may act in, or only in `organisation` when narrowed to one.

    Only the SHA-256 digest of the token is stored: the token is 256 random bits, so a digest
    cannot be reversed or guessed, and a lookup by digest needs no slow password hash.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(accounts_rules.TOKEN_NAME_MAX))
    scope: Mapped[str] = mapped_column(Enum(*TOKEN_SCOPES, name="scope", **ENUM_KW))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown in lists so that a holder can recognise it.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # Narrowed to this organisation (None: every organisation its user may act in).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}…>"
