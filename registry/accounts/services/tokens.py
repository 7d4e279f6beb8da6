"""API tokens: created by administrators, shown once, stored as a SHA-256 digest, revocable,
expiring, and noted when used.

Why SHA-256 and not scrypt: a token is 256 bits from `secrets`, not a password a person chose.
Nobody can guess or brute-force such a value, so a slow hash adds nothing; a fast digest lets
every API request find its token with one indexed lookup.
"""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from registry.accounts import rules as accounts_rules
from registry.accounts.models.tokens import TOKEN_SCOPES, ApiToken
from registry.accounts.models.users import User
from registry.audit.services import audit
from registry.core import tenancy
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.organisations import rules as organisation_rules
from registry.organisations import services as organisation_services
from registry.organisations.models import Organisation

TOKEN_PREFIX = "kb_"  # noqa: S105 (a marker, not a secret)
MAX_DAYS = 730
# Last use is written at most this often per token, so reads do not become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _snapshot(token: ApiToken) -> dict:
    values = audit.snapshot(token)
    values.pop("digest", None)  # not secret, but of no use to a reader of the log
    if token.organisation is not None:
        values["organisation"] = token.organisation.code  # narrowed to it
    return values


def may_act_in(user: User, organisation_id: int) -> bool:
    """Whether `user` may act in the organisation: a membership of it, or of the region."""
    pairs = [(m.organisation_id, m.role) for m in user.memberships]
    return organisation_rules.role_in(pairs, organisation_id, registry_has_one=False) is not None


def create_token(
    actor: audit.Actor,
    user: User | None,
    scope: str,
    days: int | None,
    name: str | None = None,
    created_by: User | None = None,
    organisation: Organisation | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`, narrowed to `organisation` when given (the user must be
    able to act in it); returns the record and the token itself (shown once)."""
    if user is None:
        raise ServiceError(_l("No account has this e-mail address."), "user")
    if not user.active:
        raise ServiceError(_l("This account is deactivated."), "user")
    if organisation is not None and not may_act_in(user, organisation.id):
        raise ServiceError(
            _l("This account is no member of %(organisation)s.", organisation=organisation.name),
            "organisation",
        )
    if scope not in TOKEN_SCOPES:
        raise ServiceError(_l("Choose one of the options."), "scope")
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ServiceError(_l("Enter a number of days from 1 to %(max)s.", max=MAX_DAYS), "days")
    name = (name or "").strip() or f"{user.email} ({scope})"
    if len(name) > accounts_rules.TOKEN_NAME_MAX:
        raise ServiceError(
            _l("At most %(max)s characters.", max=accounts_rules.TOKEN_NAME_MAX), "name"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        digest=digest(secret),
        prefix=secret[:10],
        created_by=created_by,
        expires_at=utcnow() + timedelta(days=days),
        organisation=organisation,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "create", "api_token", token.id, after=_snapshot(token))
    return token, secret


def revoke_token(actor: audit.Actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once (a revoked token gets 401); revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record(
            actor,
            "revoke",
            "api_token",
            token.id,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def find_usable(secret: str | None) -> ApiToken | None:
    """The token with this value when it is neither revoked nor expired, its user active, and
    (a token narrowed to one organisation) its user may still act in that organisation."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.digest == digest(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active:
        return None
    if token.organisation_id is not None and not may_act_in(token.user, token.organisation_id):
        return None  # the user lost the membership the token was narrowed to
    return token


def note_use(token: ApiToken) -> None:
    """Record the time of use (at most once a minute per token); the caller commits."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def list_tokens(user: User | None = None, organisation_only: bool = False) -> list[ApiToken]:
    """Every token (or a user's), newest first, with its user loaded. `organisation_only`
    (an organisation's administrators, in a registry of several): the tokens of the members
    of the organisation acted in that may act in it (not narrowed to another)."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    if organisation_only:
        query = query.where(*_of_this_organisation())
    return list(db.session.execute(query).scalars())


def _of_this_organisation() -> tuple:
    scope = tenancy.current()
    if scope is None or not scope.filtering:
        return ()
    return (
        organisation_services.members_condition(ApiToken.user_id),
        or_(ApiToken.organisation_id.is_(None), ApiToken.organisation_id == scope.organisation_id),
    )


def visible_token(token_id: int, organisation_only: bool = False) -> ApiToken | None:
    """The token with this id, if `list_tokens(organisation_only=…)` lists it."""
    query = select(ApiToken).where(ApiToken.id == token_id)
    if organisation_only:
        query = query.where(*_of_this_organisation())
    return db.session.scalar(query)


def status(token: ApiToken) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= utcnow() else "active"
