"""Organisations and memberships: creating them, and which organisation a user acts in."""

from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true

from registry.audit.services import audit
from registry.core import tenancy
from registry.core.extensions import db
from registry.core.permissions import ROLES
from registry.organisations import rules
from registry.organisations.models import Membership, Organisation


class OrganisationError(ValueError):
    """A refused change, with a message for the user and the field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Place:
    """Where a user acts: the organisation (None: nowhere) and the organisations they may
    choose from (more than one: the header shows the switch)."""

    organisation: Organisation | None
    choices: tuple[Organisation, ...]
    several_in_registry: bool


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.code)))


def several() -> bool:
    """Whether the registry holds more than one organisation."""
    return db.session.execute(select(func.count()).select_from(Organisation)).scalar_one() > 1


def by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def place_of(user, wanted_id: int | None) -> Place:
    """The organisation `user` acts in: `wanted_id` when they may, else the first they may."""
    organisations = all_organisations()
    pairs = [(m.organisation_id, m.role) for m in user.memberships]
    visible = rules.visible_organisations(pairs, [o.id for o in organisations])
    choices = tuple(o for o in organisations if o.id in visible)
    chosen = next((o for o in choices if o.id == wanted_id), choices[0] if choices else None)
    return Place(chosen, choices, len(organisations) > 1)


def scope_of(place: Place) -> tenancy.Scope:
    organisation_id = place.organisation.id if place.organisation else tenancy.NOBODY
    return tenancy.Scope(organisation_id, place.several_in_registry)


def members_condition(user_id_column, with_region: bool = False):
    """SQL: the account is a member of the organisation acted in (`with_region`: or of the
    whole region); always true in a registry of one organisation. The user admin shows an
    organisation's own members only: its admins do not manage the region's accounts."""
    scope = tenancy.current()
    if scope is None or not scope.filtering:
        return true()
    here = Membership.organisation_id == scope.organisation_id
    if with_region:
        here = or_(here, Membership.organisation_id.is_(None))
    return user_id_column.in_(select(Membership.user_id).where(here))


def _check(code: str, name: str, kind: str, check_code: bool = True) -> None:
    if kind not in rules.KINDS:
        raise OrganisationError(
            _l(
                "Unknown kind %(kind)s; choose one of %(kinds)s.",
                kind=kind,
                kinds=", ".join(rules.KINDS),
            ),
            "kind",
        )
    problem = rules.code_problem(code, kind) if check_code else None
    if problem == "pattern":
        raise OrganisationError(
            _l(
                "A code has at most 20 letters, digits, '-' and '_', and starts with a letter "
                "or digit."
            ),
            "code",
        )
    if problem == "municipality":
        raise OrganisationError(
            _l("A municipality's code is its CBS code: GM and four digits, such as GM0363."),
            "code",
        )
    if not name.strip() or len(name) > rules.NAME_MAX:
        raise OrganisationError(
            _l("Give a name of at most %(n)d characters.", n=rules.NAME_MAX), "name"
        )


def create(actor: audit.Actor, code: str, name: str, kind: str = "municipality") -> Organisation:
    code, name = (code or "").strip(), (name or "").strip()
    _check(code, name, kind)
    if by_code(code) is not None:
        raise OrganisationError(_l("An organisation with code %(code)s exists.", code=code), "code")
    organisation = Organisation(code=code, name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    tenancy.forget_organisations(db.session)
    audit.record(
        actor, "create", "organisation", organisation.id, after=audit.snapshot(organisation)
    )
    return organisation


def update(
    actor: audit.Actor, organisation: Organisation, code: str, name: str, kind: str
) -> Organisation:
    code, name = (code or "").strip(), (name or "").strip()
    # A code is checked when it or the kind changes: the upgrade's `ORG` can be renamed
    # before it gets its CBS code.
    unchanged = code == organisation.code and kind == organisation.kind
    _check(code, name, kind, check_code=not unchanged)
    other = by_code(code)
    if other is not None and other.id != organisation.id:
        raise OrganisationError(_l("An organisation with code %(code)s exists.", code=code), "code")
    before = audit.snapshot(organisation)
    organisation.code, organisation.name, organisation.kind = code, name, kind
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(organisation))
    if new:
        audit.record(actor, "update", "organisation", organisation.id, before=old, after=new)
    return organisation


def grant(actor: audit.Actor, user, organisation: Organisation | None, role: str) -> Membership:
    """Give `user` `role` in `organisation` (None: the whole region); replaces the role the
    user had there."""
    if role not in ROLES:
        raise OrganisationError(
            _l(
                "Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)
            ),
            "role",
        )
    organisation_id = organisation.id if organisation else None
    for membership in user.memberships:
        if membership.organisation_id == organisation_id:
            before = membership.role
            membership.role = role
            break
    else:
        before = None
        membership = Membership(organisation_id=organisation_id, role=role)
        user.memberships.append(membership)
    db.session.flush()
    if before != role:
        with _recorded_in(organisation):
            audit.record(
                actor,
                "grant",
                "membership",
                user.id,
                before={"organisation": organisation.code if organisation else None, "role": before}
                if before
                else None,
                after={"organisation": organisation.code if organisation else None, "role": role},
            )
    return membership


def revoke(actor: audit.Actor, user, organisation: Organisation | None) -> bool:
    organisation_id = organisation.id if organisation else None
    for membership in list(user.memberships):
        if membership.organisation_id == organisation_id:
            user.memberships.remove(membership)
            db.session.flush()
            with _recorded_in(organisation):
                audit.record(
                    actor,
                    "revoke",
                    "membership",
                    user.id,
                    before={
                        "organisation": organisation.code if organisation else None,
                        "role": membership.role,
                    },
                )
            return True
    return False


@contextmanager
def _recorded_in(organisation: Organisation | None):
    """Audit events recorded in the block belong to the log of the organisation a membership
    is of (the region's for a region membership, in a registry of several), wherever the
    change is made: that organisation's auditors read who was given access to it."""
    several_here = tenancy.sole_organisation_id(db.session) is None
    if organisation is None:
        scope = None if several_here else tenancy.current()
    else:
        scope = tenancy.Scope(organisation.id, several_here)
    with tenancy.acting_in(scope):
        yield
