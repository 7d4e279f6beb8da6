"""Login accounts. These are not staff records; a user may be linked to a Person."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.accounts import rules as accounts_rules
from registry.core.models import ENUM_KW, Base, Versioned, utcnow
from registry.core.permissions import ROLES, can
from registry.people.models.staff import OrgUnit, Person


class User(UserMixin, Versioned, Base):
    """An account with one role of the role table."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(accounts_rules.EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(
        String(accounts_rules.USER_NAME_MAX), default="", server_default=""
    )
    role: Mapped[str] = mapped_column(Enum(*ROLES, name="role", **ENUM_KW))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Bumped by logout, password change and deactivation: every other session ends.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Two-factor authentication: the secret is in force once confirmed by a code; the last
    # accepted time step makes every code single-use.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # Single sign-on: the identity provider's issuer and subject this account is linked to.
    oidc_issuer: Mapped[str | None] = mapped_column(String(accounts_rules.OIDC_ID_MAX))
    oidc_subject: Mapped[str | None] = mapped_column(String(accounts_rules.OIDC_ID_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Opted in on the account page to the daily e-mail digest (`registry notify`).
    digest_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    org_unit: Mapped[OrgUnit | None] = relationship()
    person: Mapped[Person | None] = relationship()

    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The session remembers id and session version; a newer version invalidates it."""
        return f"{self.id}:{self.session_version}"

    @property
    def has_password(self) -> bool:
        """Whether the account can log in with a local password (single sign-on accounts
        have none)."""
        return bool(self.password_hash)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def can(self, permission) -> bool:
        """Whether this user's role grants `permission` (see domain.permissions)."""
        return can(self.role, permission)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RecoveryCode(Base):
    """One single-use recovery code of a user's two-factor authentication, stored as a
    SHA-256 digest (the codes are random, 80 bits, so a digest is enough)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
