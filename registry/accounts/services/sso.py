"""Accounts of single sign-on (OpenID Connect): which account a provider's identity is, and
with which role.

- An identity (issuer, subject) already linked to an account is that account.
- Otherwise an account with the same e-mail address is linked to it, when the provider vouches
  for the address (`email_verified`, unless the installation trusts its provider's addresses)
  and the account is not linked to another identity already: that is a conflict, refused.
- Otherwise an account is created, without a password.
- The role follows the configured claim at every login; an identity whose claim maps to no
  role is refused, a new one and an existing one alike. A deactivated account stays out.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.accounts import rules as accounts_rules
from registry.accounts.models.users import User
from registry.accounts.services.users import EMAIL_PATTERN, find_by_email
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.permissions import ROLES

# Where several values map to roles, the one with the most rights wins.
_RANK = {role: rank for rank, role in enumerate(ROLES)}

REASONS = {
    "no_role": _l(
        "Your account at the identity provider has no role in Kennisborg. Ask the application "
        "administrator to add you to one of the groups for Kennisborg."
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


def sign_in(
    actor: audit.Actor, identity: Identity, role: str | None, require_verified_email: bool
) -> User:
    """The account `identity` logs in as (created, linked or updated, and audited); raises
    SsoRefused when it may not. Flushes; the caller commits."""
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
    if role is None:
        raise SsoRefused("no_role", user)
    if user is None:
        user = User(
            email=identity.email,
            name=identity.name,
            role=role,
            password_hash="",
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
        db.session.add(user)
        db.session.flush()
        after = audit.snapshot(user) | {"via": "sso"}
        audit.record(_as(user, actor), "create", "user", user.id, after=after)
        return user
    before = audit.snapshot(user)
    if user.oidc_subject is None:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    user.role = role
    if identity.name and not user.name:
        user.name = identity.name
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(user))
    if new:
        audit.record(_as(user, actor), "update", "user", user.id, before=old, after=new)
    return user
