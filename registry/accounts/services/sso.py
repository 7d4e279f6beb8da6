"""Accounts of single sign-on (OpenID Connect): which account a provider's identity is, and
with which role.

- An identity (issuer, subject) already linked to an account is that account.
- Otherwise an account with the same e-mail address is linked to it, when the provider vouches
  for the address (`email_verified`, unless the installation trusts its provider's addresses)
  and the account is not linked to another identity already: that is a conflict, refused.
- Otherwise an account is created, without a password.
- The role follows the configured claim at every login; an identity whose claim maps to no
  role is refused, a new one and an existing one alike. A deactivated account stays out.
- Memberships: with a map of claim values to organisations and roles
  (OIDC_ORGANISATION_ROLE_MAP), the account's memberships follow the claim at every login:
  added, changed and removed (each audited). Without that map the role map gives the role in
  a registry of one organisation; a registry of several refuses the identity
  (`no_organisation`): the role map does not say in which organisation.
"""

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.accounts import rules as accounts_rules
from registry.accounts.models.users import User
from registry.accounts.services.users import EMAIL_PATTERN, find_by_email
from registry.audit.services import audit
from registry.core import tenancy
from registry.core.extensions import db
from registry.core.permissions import ROLES
from registry.organisations import services as organisation_services
from registry.organisations.models import Organisation

logger = logging.getLogger(__name__)

# Where several values map to roles, the one with the most rights wins.
_RANK = {role: rank for rank, role in enumerate(ROLES)}

REASONS = {
    "no_role": _l(
        "Your account at the identity provider has no role in Kennisborg. Ask the application "
        "administrator to add you to one of the groups for Kennisborg."
    ),
    "no_organisation": _l(
        "Kennisborg serves several organisations, and the identity provider did not say in "
        "which of them you work. Ask the application administrator to add you to one of the "
        "groups for Kennisborg."
    ),
    "no_email": _l("The identity provider did not send an e-mail address for your account."),
    "email_unverified": _l(
        "An account with your e-mail address already exists, but the identity provider has not "
        "confirmed that the address is yours. Ask an administrator to link the accounts."
    ),
    "email_conflict": _l(
        "An account with your e-mail address is already linked to another identity at the "
        "identity provider. Ask an administrator to sort this out."
    ),
    "deactivated": _l("Your Kennisborg account has been deactivated."),
    "provider_error": _l(
        "The log-in at the identity provider did not succeed or could not be checked. "
        "Try again; if it keeps failing, tell the administrator."
    ),
    "token_invalid": _l(
        "The identity provider's confirmation of your log-in could not be trusted: it was not "
        "meant for this log-in, not for Kennisborg, or not valid at this time. Try again; if it "
        "keeps failing, tell the administrator (the clocks of the provider and of Kennisborg "
        "may differ)."
    ),
    "userinfo_failed": _l(
        "The identity provider did not send your e-mail address or groups with the log-in, and "
        "the rest of your details could not be read from it. Try again; if it keeps failing, "
        "tell the administrator."
    ),
}


class SsoRefused(Exception):
    """An identity that may not log in; `reason` is a key of REASONS."""

    def __init__(self, reason: str, user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user

    def message(self) -> str:
        return str(REASONS[self.reason])


@dataclass(frozen=True)
class Identity:
    """What the provider's ID token (and user info) said about the person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    claims: dict


def merged_claims(id_token: dict, userinfo: dict) -> dict | None:
    """The claims of a log-in: the ID token's, completed by the user info (OpenID Connect Core
    5.4: a provider may send the claims of the scopes `email` and `profile` only there).

    The ID token is signed, so its values win. User info about another subject is not the same
    person (Core 5.3.2): None, and the caller uses the ID token alone."""
    if userinfo.get("sub") != id_token.get("sub"):
        return None
    return {**userinfo, **id_token}


def claim_values(claims: dict, path: str) -> list[str]:
    """The values of a claim, by a dotted path (`realm_access.roles`), as a list of strings."""
    value: object = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return []
        value = value.get(part)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def mapped_role(claims: dict, claim: str, role_map: dict) -> str | None:
    """The role the claim maps to (the one with most rights when several do), or None."""
    roles = set(ROLES) & {role_map.get(value) for value in claim_values(claims, claim)}
    return min(roles, key=_RANK.__getitem__) if roles else None


def mapped_memberships(claims: dict, claim: str, organisation_map: dict | None):
    """The memberships the claim maps to with OIDC_ORGANISATION_ROLE_MAP (read by
    `accounts.rules.organisation_role_map`): organisation code (None: the region) → role; None
    when no such map is configured."""
    if not organisation_map:
        return None
    return accounts_rules.mapped_memberships(claim_values(claims, claim), organisation_map)


def identity_from_claims(claims: dict) -> Identity:
    """Read the fields we use from validated claims (bounded to our column sizes)."""
    email_claim, name_claim = claims.get("email"), claims.get("name")
    email = email_claim if isinstance(email_claim, str) else None
    verified = email is not None and claims.get("email_verified") is True
    if email is None:
        # Entra ID: the user principal name, often the address, is never a verified address.
        username = claims.get("preferred_username")
        email = username if isinstance(username, str) else None
    if email is not None:
        email = email.strip()
        if len(email) > accounts_rules.EMAIL_MAX or not EMAIL_PATTERN.match(email):
            email = None
    name = name_claim if isinstance(name_claim, str) else ""
    return Identity(
        issuer=str(claims.get("iss", ""))[: accounts_rules.OIDC_ID_MAX],
        subject=str(claims.get("sub", ""))[: accounts_rules.OIDC_ID_MAX],
        email=email,
        email_verified=verified,
        name=name.strip()[: accounts_rules.USER_NAME_MAX],
        claims=claims,
    )


def _as(user: User, actor: audit.Actor) -> audit.Actor:
    return audit.Actor(user.id, user.email, user.role, actor.source)


def _linked(identity: Identity) -> User | None:
    return db.session.execute(
        select(User).where(
            User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject
        )
    ).scalar_one_or_none()


def _places(role: str | None, memberships) -> dict[Organisation | None, str] | None:
    """The memberships an identity gets: organisation (None: the region) → role. None: the
    role map alone decides, as in a registry of one organisation before memberships (the
    role `role` in that organisation). Raises SsoRefused when the identity gets none."""
    sole = tenancy.sole_organisation_id(db.session)
    if memberships is None:  # no organisation map
        if sole is None and role is not None:
            raise SsoRefused("no_organisation")
        if role is None:
            raise SsoRefused("no_role")
        return None
    places: dict[Organisation | None, str] = {}
    for code, given in memberships.items():
        organisation = None
        if code is not None:
            organisation = organisation_services.by_code(code)
            if organisation is None:
                logger.warning("single sign-on: no organisation has code %s (the map)", code)
                continue
        places[organisation] = given
    if sole is not None and role is not None:
        # One organisation: the role map's role is a role in it (the most rights win).
        organisation = db.session.get(Organisation, sole)
        places[organisation] = accounts_rules.most_rights(places.get(organisation), role)
    if not places:
        raise SsoRefused("no_organisation" if role is not None else "no_role")
    return places


def _follow(actor: audit.Actor, user: User, places: dict[Organisation | None, str]) -> None:
    """Make the account's memberships those of `places`: add, change, remove (audited)."""
    wanted = {organisation.id if organisation else None for organisation in places}
    for membership in list(user.memberships):
        if membership.organisation_id not in wanted:
            organisation = (
                db.session.get(Organisation, membership.organisation_id)
                if membership.organisation_id is not None
                else None
            )
            organisation_services.revoke(actor, user, organisation)
    for organisation, role in places.items():
        organisation_services.grant(actor, user, organisation, role)  # audited when changed


def sign_in(
    actor: audit.Actor,
    identity: Identity,
    role: str | None,
    require_verified_email: bool,
    memberships: accounts_rules.Memberships | None = None,
) -> User:
    """The account `identity` logs in as (created, linked or updated, and audited) with `role`
    (of the role map) or `memberships` (of the organisation map, see `mapped_memberships`);
    raises SsoRefused when it may not. Flushes; the caller commits."""
    user = _linked(identity)
    if user is None:
        if identity.email is None:
            raise SsoRefused("no_email")
        user = find_by_email(identity.email)
        if user is not None:
            if user.oidc_subject is not None:
                raise SsoRefused("email_conflict", user)
            if require_verified_email and not identity.email_verified:
                raise SsoRefused("email_unverified", user)
    if user is not None and not user.active:
        raise SsoRefused("deactivated", user)
    try:
        places = _places(role, memberships)
    except SsoRefused as refusal:
        refusal.user = user
        raise
    legacy_role = role if places is None else None  # the role map alone decides
    if user is None:
        user = User(
            email=identity.email,
            name=identity.name,
            password_hash="",
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
        if legacy_role is not None:
            user.role = legacy_role
        db.session.add(user)
        db.session.flush()
        after = audit.snapshot(user) | {"via": "sso"}
        audit.record(_as(user, actor), "create", "user", user.id, after=after)
        if places is not None:
            _follow(_as(user, actor), user, places)
        return user
    before = audit.snapshot(user)
    if user.oidc_subject is None:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    if legacy_role is not None:
        user.role = legacy_role
    if identity.name and not user.name:
        user.name = identity.name
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(user))
    if new:
        audit.record(_as(user, actor), "update", "user", user.id, before=old, after=new)
    if places is not None:
        _follow(_as(user, actor), user, places)
    return user
