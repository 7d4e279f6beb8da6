"""Login accounts. These are not staff records; a user may be linked to a Person."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from registry.accounts import rules as accounts_rules
from registry.core import tenancy
from registry.core.extensions import db
from registry.core.models import Base, Versioned, utcnow
from registry.core.permissions import can
from registry.organisations import rules as organisation_rules
from registry.organisations.models import Membership
from registry.people.models.staff import OrgUnit, Person


class User(UserMixin, Versioned, Base):
    """An account. Its roles are its memberships: one role per organisation, or one for the
    whole region (`role` is the role where the current request or command acts)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(accounts_rules.EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(
        String(accounts_rules.USER_NAME_MAX), default="", server_default=""
    )
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
    memberships: Mapped[list[Membership]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

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

    def can(self, permission, shared: bool = False) -> bool:
        """Whether this user's role grants `permission` (see core.permissions); `shared`:
        on what the region shares (the catalogue), which needs the region role."""
        return can(self.region_role if shared else self.role, permission)

    def audit_values(self, values: dict) -> dict:
        """The audit snapshot's values with the role where the change is made, after the name
        (where the role column was before memberships)."""
        ordered: dict = {}
        for key, value in values.items():
            ordered[key] = value
            if key == "name":
                ordered["role"] = self.role
        return ordered

    # --- roles from memberships ---------------------------------------------------------------

    def _pairs(self) -> list[tuple[int | None, str]]:
        return [(m.organisation_id, m.role) for m in self.memberships]

    def _registry_has_one(self) -> bool:
        scope = tenancy.current()
        if scope is not None and scope.organisation_id != tenancy.NOBODY:
            return not scope.several
        session = object_session(self)
        return session is not None and tenancy.sole_organisation_id(session) is not None

    def role_in(self, organisation_id: int | None) -> str | None:
        """The role in organisation `organisation_id` (None: in the region itself)."""
        return organisation_rules.role_in(self._pairs(), organisation_id, self._registry_has_one())

    @property
    def region_role(self) -> str | None:
        """The role on what the whole region shares (the catalogue, the region view)."""
        return self.role_in(None)

    @property
    def role(self) -> str | None:
        """The role in the organisation the current request or command acts in; outside one,
        in the registry's only organisation, or the region role."""
        organisation_id = tenancy.current_organisation_id()
        if organisation_id in (None, tenancy.NOBODY):
            # Outside any organisation (a command, a visitor logging in): the registry's only
            # organisation, or with several the region.
            organisation_id = None
        return self.role_in(organisation_id)

    @role.setter
    def role(self, value: str) -> None:
        """Give the role in the organisation acted in (outside one: the registry's only
        organisation). A role for the whole region is only ever given explicitly
        (`organisations.services.grant`), never by default."""
        organisation_id = tenancy.current_organisation_id()
        if organisation_id in (None, tenancy.NOBODY):
            organisation_id = tenancy.sole_organisation_id(db.session)
        if organisation_id is None:
            raise tenancy.NoOrganisation("a role needs an organisation (or an explicit grant)")
        for membership in self.memberships:
            if membership.organisation_id == organisation_id:
                membership.role = value
                return
        self.memberships.append(Membership(organisation_id=organisation_id, role=value))

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
