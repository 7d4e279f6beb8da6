"""Bearer-token authentication, the role table and the token scope for every API view.

The API never looks at the browser session: a request is authenticated by its
`Authorization: Bearer …` header alone, so a session cookie cannot call it (and CSRF, which
protects cookie-authenticated forms, does not apply). The user is the token's user, with that
user's role; a read-scope token cannot write whatever its user's role.
"""

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from registry.accounts.services import tokens as token_service
from registry.audit.services import audit, refusals
from registry.core.database import immediate_writes
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.core.problems import ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer() -> str | None:
    """The token of the Authorization header, if it is a bearer token."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def current_token():
    """The request's usable token (looked up once per request), or None."""
    if "api_token" not in g:
        g.api_token = token_service.find_usable(bearer())
    return g.api_token


def rate_limit_key() -> str:
    """Flask-Limiter key: the token's id; requests without a usable token share their address."""
    token = current_token()
    return f"token:{token.id}" if token is not None else f"address:{request.remote_addr}"


def actor() -> audit.Actor:
    """The audit actor of this request: the token's user, noting the token in the source."""
    token = current_token()
    if token is None:
        return audit.Actor(None, None, None, request.remote_addr)
    source = f"{request.remote_addr} api-token:{token.id}"
    return audit.Actor(token.user.id, token.user.email, token.user.role, source[:100])


def authenticate() -> None:
    """Blueprint `before_request`: 401 without a usable token; notes the token's last use."""
    token = current_token()
    if token is None:
        raise ApiProblem(
            401,
            _("Send a valid API token: Authorization: Bearer <token>."),
        )
    token_service.note_use(token)
    db.session.commit()


def _refuse(detail: str):
    """Record the refused request exactly as the web records a 403 (repeats of one token user
    and route within a minute are counted into one event), and answer 403."""
    db.session.rollback()
    immediate_writes()
    refusals.record(actor(), request.endpoint or request.path, request.method, request.path)
    db.session.commit()
    raise ApiProblem(403, detail)


def requires(permission: Permission, shared: bool = False):
    """The API's permission check: the token user's role must grant `permission`, and a
    method that writes needs a write-scope token. Recorded on the view for the route tests."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = current_token()
            if token is None:  # the blueprint hook answers first; kept as a safety net
                raise ApiProblem(401)
            if not token.user.can(permission, shared=shared):
                _refuse(_("Your role does not allow this."))
            if request.method not in SAFE_METHODS and token.scope != "write":
                _refuse(_("This token may only read."))
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
