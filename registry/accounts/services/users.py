"""Accounts: creating users, checking passwords, ending sessions. Passwords are scrypt-hashed."""

import csv
import io
import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true, update
from werkzeug.security import check_password_hash, generate_password_hash

from registry.accounts.models.users import User
from registry.audit.services import audit
from registry.core import tenancy
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.core.permissions import ROLES
from registry.organisations import services as organisation_services
from registry.organisations.models import Membership
from registry.people.models.staff import OrgUnit, Person

PASSWORD_MIN = 8
PASSWORD_MAX = 128
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
            _l(
                "A password must be %(min)s to %(max)s characters long.",
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
            ),
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
        raise UserError(
            _l(
                "Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)
            ),
            "role",
        )
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
    """The active user with this e-mail and password, or None (always hashes once). Accounts
    of single sign-on have no password and never match."""
    user = find_by_email(email)
    if user is None or not user.has_password:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def record_login(
    actor: audit.Actor,
    user: User | None,
    email: str,
    ok: bool = False,
    method: str | None = None,
) -> None:
    """Audit a login attempt (`method`: pwd, pwd+otp, oidc); a success also stamps
    last_login_at."""
    if ok and user is not None:
        _touch(user, last_login_at=utcnow())
    after = {"email": email}
    if method:
        after["method"] = method
    audit.record(
        actor,
        "login" if ok else "login_failed",
        "user",
        user.id if user else None,
        after=after,
        result="success" if ok else "failure",
    )


def _touch(user: User, **values) -> None:
    """Write bookkeeping columns without bumping the record's version: a login or a logout
    must not turn an administrator's open edit form into a conflict."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(**values)
        .execution_options(synchronize_session="evaluate")
    )


def end_other_sessions(user: User) -> None:
    """Invalidate every session of this user (logout, password change, deactivation)."""
    _touch(user, session_version=User.session_version + 1)


def change_password(actor: audit.Actor, user: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one; ends other sessions."""
    if not check_password_hash(user.password_hash, current):
        raise UserError(_l("The current password is not correct."), "current")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    audit.record(actor, "change_password", "user", user.id)


# --- administration (the users pages) -------------------------------------------------------

GENERATED_PASSWORD_WORDS = 4


def generate_password() -> str:
    """A random password that is easy to pass on: four groups of five letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l, 1, o, 0, i)
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(GENERATED_PASSWORD_WORDS)
    )


def active_admin_count() -> int:
    """The active administrators of the organisation acted in (its own and the region's)."""
    return db.session.execute(
        select(func.count(func.distinct(User.id)))
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "admin", User.active, membership_here())
    ).scalar_one()


def is_member_here(user: User) -> bool:
    """Whether `user` is a member of the organisation acted in (always, with one)."""
    return (
        db.session.scalar(
            select(User.id).where(
                User.id == user.id, organisation_services.members_condition(User.id)
            )
        )
        is not None
    )


def membership_here():
    """SQL on Membership: a membership that counts in the organisation acted in (its own or
    the region's; every membership in a registry of one organisation)."""
    organisation_id = tenancy.current_organisation_id()
    if organisation_id is None or not tenancy.current().filtering:
        return true()
    return or_(Membership.organisation_id == organisation_id, Membership.organisation_id.is_(None))


def _is_last_active_admin(user: User) -> bool:
    return user.role == "admin" and user.active and active_admin_count() <= 1


def _check_links(person_id, org_unit_id) -> None:
    if person_id is not None and db.session.get(Person, person_id) is None:
        raise UserError(_l("No person has this employee number."), "person")
    if org_unit_id is not None and db.session.get(OrgUnit, org_unit_id) is None:
        raise UserError(_l("This org unit no longer exists; choose another."), "org_unit_id")


def _changed(actor: audit.Actor, user: User, before: dict, action: str = "update") -> None:
    old, new = audit.changes(before, audit.snapshot(user))
    if new:
        audit.record(actor, action, "user", user.id, before=old, after=new)


def create_account(
    actor: audit.Actor,
    email: str,
    role: str,
    name: str = "",
    password: str | None = None,
    person_id: int | None = None,
    org_unit_id: int | None = None,
) -> tuple[User, str | None]:
    """Create an account from the users page. Without a password one is generated and
    returned (to be shown once); with one, None is returned."""
    generated = None
    if not password:
        password = generated = generate_password()
    _check_links(person_id, org_unit_id)
    if email and not EMAIL_PATTERN.match(email.strip()):
        raise UserError(_l("Enter an e-mail address like name@example.nl."), "email")
    user = create_user(actor, email or "", role, password, name=(name or "").strip())
    if person_id is not None or org_unit_id is not None:
        before = audit.snapshot(user)
        user.person_id, user.org_unit_id = person_id, org_unit_id
        db.session.flush()
        _changed(actor, user, before)
    return user, generated


def update_account(
    actor: audit.Actor,
    user: User,
    version,
    name: str,
    role: str,
    person_id: int | None = None,
    org_unit_id: int | None = None,
) -> User:
    """Change name, role and links of an account. The last active administrator keeps the
    admin role, so the registry always has someone who can manage accounts."""
    ensure_version(user, version)
    if role not in ROLES:
        raise UserError(
            _l(
                "Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)
            ),
            "role",
        )
    if role != "admin" and _is_last_active_admin(user):
        raise UserError(
            _l(
                "This is the last active administrator account; make someone else "
                "administrator first."
            ),
            "role",
        )
    _check_links(person_id, org_unit_id)
    before = audit.snapshot(user)
    # The role is read on every request, so a change takes effect at once.
    user.name, user.role = (name or "").strip(), role
    user.person_id, user.org_unit_id = person_id, org_unit_id
    db.session.flush()
    _changed(actor, user, before)
    return user


def set_active(actor: audit.Actor, user: User, version, active: bool) -> User:
    """Deactivate (ending every session) or reactivate an account."""
    ensure_version(user, version)
    if not active and _is_last_active_admin(user):
        raise UserError(
            _l("This is the last active administrator account; it cannot be deactivated.")
        )
    before = audit.snapshot(user)
    if user.active and not active:
        end_other_sessions(user)
    user.active = active
    db.session.flush()
    _changed(actor, user, before, "reactivate" if active else "deactivate")
    return user


def reset_password(
    actor: audit.Actor, user: User, version, password: str | None = None
) -> str | None:
    """Give an account a new password (entered, or generated and returned to be shown once)
    and end all of its sessions."""
    ensure_version(user, version)
    generated = None
    if not password:
        password = generated = generate_password()
    check_password_rules(password)
    user.password_hash = hash_password(password)
    end_other_sessions(user)
    db.session.flush()
    audit.record(
        actor,
        "reset_password",
        "user",
        user.id,
        after={"sessions_ended": True, "generated": generated is not None},
    )
    return generated


REVIEW_COLUMNS = (
    "email",
    "name",
    "role",
    "active",
    "last_login_at",
    "created_at",
    "org_unit",
    "employee_number",
)


def access_review() -> list[dict]:
    """Every account with role, status and last login, for the yearly access review
    (one query)."""
    rows = db.session.execute(
        select(
            User.email,
            User.name,
            Membership.role,
            User.active,
            User.last_login_at,
            User.created_at,
            OrgUnit.path,
            Person.employee_number,
        )
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(OrgUnit, User.org_unit_id == OrgUnit.id)
        .outerjoin(Person, User.person_id == Person.id)
        .where(membership_here())
        .order_by(Membership.role, func.lower(User.email))
    )
    return [dict(zip(REVIEW_COLUMNS, row, strict=True)) for row in rows]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if hasattr(value, "hour")
            else value.isoformat()
        )
    text = str(value)
    # A spreadsheet would run a cell that starts like a formula; make it plain text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def access_review_csv(rows: list[dict]) -> str:
    """The access review as CSV text (header row, formulas neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REVIEW_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in REVIEW_COLUMNS])
    return buffer.getvalue()
