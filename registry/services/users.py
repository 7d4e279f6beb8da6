"""Accounts: creating users, checking passwords, ending sessions. Passwords are scrypt-hashed."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry.domain.permissions import ROLES
from registry.extensions import db
from registry.models import User
from registry.models.base import utcnow
from registry.services import audit
from registry.services.errors import ServiceError

PASSWORD_MIN = 8
PASSWORD_MAX = 128
# Checked against when the e-mail address is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class UserError(ServiceError):
    """A refused account change; `field` names the form field it belongs to."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str) -> None:
    """Raise UserError when the password's length is outside 8–128 characters."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise UserError(
            _l("A password must be %(min)s to %(max)s characters long.", min=PASSWORD_MIN,
               max=PASSWORD_MAX),
            "password",
        )


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def create_user(actor: audit.Actor, email: str, role: str, password: str, name: str = "") -> User:
    """Create an account (flushes and audits; the caller commits)."""
    email = email.strip()
    if role not in ROLES:
        raise UserError(_l("Unknown role %(role)s; choose one of %(roles)s.", role=role,
                           roles=", ".join(ROLES)), "role")
    if "@" not in email:
        raise UserError(_l("An e-mail address is required."), "email")
    if find_by_email(email):
        raise UserError(_l("An account for %(email)s already exists.", email=email), "email")
    check_password_rules(password)
    user = User(email=email, role=role, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, after=audit.snapshot(user))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (always hashes once)."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def record_login(actor: audit.Actor, user: User | None, email: str, ok: bool) -> None:
    """Audit a login attempt; a success also stamps last_login_at."""
    if ok and user is not None:
        user.last_login_at = utcnow()
    audit.record(actor, "login" if ok else "login_failed", "user",
                 user.id if user else None, after={"email": email},
                 result="success" if ok else "failure")


def end_other_sessions(user: User) -> None:
    """Invalidate every session of this user (logout, password change, deactivation)."""
    user.session_version = (user.session_version or 0) + 1


def change_password(actor: audit.Actor, user: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one; ends other sessions."""
    if not check_password_hash(user.password_hash, current):
        raise UserError(_l("The current password is not correct."), "current")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    audit.record(actor, "change_password", "user", user.id)
