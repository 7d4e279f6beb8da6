"""Accounts: creating users, checking passwords, ending sessions. Passwords are scrypt-hashed."""

import csv
import io
import re
import secrets
from typing import Final

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
from registry.organisations import rules as organisation_rules
from registry.organisations import services as organisation_services
from registry.organisations.models import Membership, Organisation
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


class _ActedIn:
    """Where a new account's role is given by default: the organisation acted in (outside
    one, the registry's only organisation)."""

    def __repr__(self) -> str:
        return "ACTED_IN"


ACTED_IN: Final = _ActedIn()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(
            _l(
                "Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)
            ),
            "role",
        )


def create_user(
    actor: audit.Actor,
    email: str,
    role: str,
    password: str,
    name: str = "",
    where: Organisation | None | _ActedIn = ACTED_IN,
) -> User:
    """Create an account with `role` in `where`: an organisation, None for the whole region,
    by default the organisation acted in (flushes and audits; the caller commits)."""
    email = email.strip()
    _check_role(role)
    if "@" not in email:
        raise UserError(_l("An e-mail address is required."), "email")
    if find_by_email(email):
        raise UserError(_l("An account for %(email)s already exists.", email=email), "email")
    check_password_rules(password)
    if isinstance(where, _ActedIn):
        user = User(email=email, role=role, name=name, password_hash=hash_password(password))
    else:
        user = User(email=email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, after=audit.snapshot(user))
    if not isinstance(where, _ActedIn):
        organisation_services.grant(actor, user, where, role)  # audited as a grant
    return user


def all_users() -> list[User]:
    """Every account, by e-mail address (with its memberships)."""
    return list(db.session.scalars(select(User).order_by(func.lower(User.email))))


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


def membership_here():
    """SQL on Membership: a membership that counts in the organisation acted in (its own or
    the region's; every membership in a registry of one organisation)."""
    organisation_id = tenancy.current_organisation_id()
    if organisation_id is None or not tenancy.current().filtering:
        return true()
    return or_(Membership.organisation_id == organisation_id, Membership.organisation_id.is_(None))


# --- the last active administrator, per organisation ------------------------------------------


def _administrators() -> dict[int | None, set[int]]:
    """The active administrators' ids by the organisation of their admin membership (None:
    the region)."""
    found: dict[int | None, set[int]] = {}
    rows = db.session.execute(
        select(Membership.organisation_id, Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "admin", User.active)
    )
    for organisation_id, user_id in rows:
        found.setdefault(organisation_id, set()).add(user_id)
    return found


def _acted_in_id() -> int | None:
    """The organisation whose membership `user.role = …` changes (see User.role)."""
    organisation_id = tenancy.current_organisation_id()
    if organisation_id in (None, tenancy.NOBODY):
        organisation_id = tenancy.sole_organisation_id(db.session)
    return organisation_id


def _orphaned_by(user: User, change) -> int | None | bool:
    """The organisation (None: the region) that `change` would leave without an active
    administrator, or False. `change(admins)` alters a copy of the administrators by
    organisation (`_administrators()`) as the change would."""
    if not (user.active and any(m.role == "admin" for m in user.memberships)):
        return False  # only an active administrator's change can leave anyone without one
    before = _administrators()
    after = {key: set(ids) for key, ids in before.items()}
    change(after)
    ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    lost = organisation_rules.orphaned(before, after, ids, several=len(ids) > 1)
    return lost[0] if lost else False


def _taken_from(organisation_id: int | None, user_id: int):
    def change(admins: dict[int | None, set[int]]) -> None:
        admins.get(organisation_id, set()).discard(user_id)

    return change


def _deactivated(user_id: int):
    def change(admins: dict[int | None, set[int]]) -> None:
        for ids in admins.values():
            ids.discard(user_id)

    return change


def _last_admin_error(lost: int | None, field: str | None = None) -> UserError:
    """The refusal of a change that would leave `lost` (None: the region) without an active
    administrator, naming it (registries of several organisations)."""
    if lost is None:
        return UserError(
            _l(
                "This account is the last active region administrator; make someone else "
                "region administrator first."
            ),
            field,
        )
    organisation = db.session.get(Organisation, lost)
    return UserError(
        _l(
            "This account is the last active administrator of %(organisation)s; make someone "
            "else administrator there first.",
            organisation=organisation.name if organisation else lost,
        ),
        field,
    )


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
    where: Organisation | None | _ActedIn = ACTED_IN,
) -> tuple[User, str | None]:
    """Create an account from the users page, with `role` in `where` (see `create_user`).
    Without a password one is generated and returned (to be shown once); with one, None is
    returned."""
    generated = None
    if not password:
        password = generated = generate_password()
    _check_links(person_id, org_unit_id)
    if email and not EMAIL_PATTERN.match(email.strip()):
        raise UserError(_l("Enter an e-mail address like name@example.nl."), "email")
    user = create_user(actor, email or "", role, password, name=(name or "").strip(), where=where)
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
    role: str | None,
    person_id: int | None = None,
    org_unit_id: int | None = None,
) -> User:
    """Change name, role (in the organisation acted in; None: unchanged) and links of an
    account. The last active administrator keeps the admin role, so the organisation always
    has someone who can manage its accounts."""
    ensure_version(user, version)
    if role is not None:
        _check_role(role)
        if (
            role != "admin"
            and _orphaned_by(user, _taken_from(_acted_in_id(), user.id)) is not False
        ):
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
    user.name = (name or "").strip()
    if role is not None:
        user.role = role
    user.person_id, user.org_unit_id = person_id, org_unit_id
    db.session.flush()
    _changed(actor, user, before)
    return user


def set_active(actor: audit.Actor, user: User, version, active: bool) -> User:
    """Deactivate (ending every session) or reactivate an account."""
    ensure_version(user, version)
    lost = False if active else _orphaned_by(user, _deactivated(user.id))
    if lost is not False:
        if lost == _acted_in_id():
            raise UserError(
                _l("This is the last active administrator account; it cannot be deactivated.")
            )
        raise _last_admin_error(lost)  # another organisation's, or the region's
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


# --- memberships (registries of several organisations) ----------------------------------------


def memberships_elsewhere(user: User) -> list[Membership]:
    """The account's memberships of other organisations than the one acted in, and of the
    region (none in a registry of one organisation). An organisation's administrators leave
    what concerns the whole account (its activation, password, second factor) to the region's
    administrators while there are any."""
    scope = tenancy.current()
    if scope is None or not scope.filtering:
        return []
    return [m for m in user.memberships if m.organisation_id != scope.organisation_id]


def is_member_here(user: User) -> bool:
    """Whether the account is a member of the organisation acted in (always, in a registry of
    one organisation): an account its administrators manage (`members_condition`)."""
    scope = tenancy.current()
    if scope is None or not scope.filtering:
        return True
    return any(m.organisation_id == scope.organisation_id for m in user.memberships)


def set_membership(actor: audit.Actor, user: User, organisation: Organisation | None, role: str):
    """Give `user` `role` in `organisation` (None: the whole region), replacing the role there
    (audited); the last active administrator of an organisation, or of the region, keeps it."""
    _check_role(role)
    organisation_id = organisation.id if organisation else None
    if role != "admin":
        lost = _orphaned_by(user, _taken_from(organisation_id, user.id))
        if lost is not False:
            raise _last_admin_error(lost, "role")
    return organisation_services.grant(actor, user, organisation, role)


def remove_membership(actor: audit.Actor, user: User, organisation: Organisation | None) -> bool:
    """End `user`'s membership of `organisation` (None: of the region), audited; the account
    and its other memberships stay. False when it had none there."""
    organisation_id = organisation.id if organisation else None
    lost = _orphaned_by(user, _taken_from(organisation_id, user.id))
    if lost is not False:
        raise _last_admin_error(lost)
    return organisation_services.revoke(actor, user, organisation)


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
