"""Single sign-on with OpenID Connect (Authlib's Flask client): Keycloak, Microsoft Entra ID
or any provider with a discovery document.

The authorisation-code flow with PKCE (S256): the state, nonce and code verifier wait in the
session; the callback exchanges the code, and Authlib checks the ID token's signature (the
provider's JWKS), issuer, audience, expiry and nonce. `services.sso` decides which account the
identity is and with which role; a refusal is a page of its own, audited.

The claims are the ID token's, completed by the provider's user info (OpenID Connect Core 5.4).
The pages whose forms lead to the provider (the log-in button, the log-out after single sign-on)
allow its origins in their CSP `form-action`, which also governs the redirect after a POST.
Logging out sends the kept ID token as `id_token_hint` (RP-initiated logout).
"""

import logging
import time
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from joserfc.errors import JoseError
from requests import RequestException

from registry.accounts import rules as accounts_rules
from registry.accounts.services import sso as accounts
from registry.accounts.web import security
from registry.accounts.web.sessions import finish_login
from registry.audit.services import audit
from registry.core.config import InvalidSetting
from registry.core.database import immediate_writes
from registry.core.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, url_prefix="/login/sso")

EXTENSION = "kennisborg_oidc"
ORIGINS = "kennisborg_oidc_origins"
CLIENT = "idp"
# What the provider's discovery or an exchange can raise: HTTP and TLS failures, a refusal
# (OAuthError), an unreadable answer, or an ID token that fails its checks (JoseError).
PROVIDER_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError)
# The ID token is kept in the (signed cookie) session for the logout's id_token_hint; a
# larger one (many groups) would not fit in a cookie, and logout then sends client_id only.
ID_TOKEN_KEPT_MAX = 2400
# A provider whose discovery failed is asked again after this many seconds (for the CSP).
DISCOVERY_RETRY_SECONDS = 60


class _Session(OAuth2Session):
    """Every call to the provider verifies TLS with the session's own `verify` (the configured
    CA bundle): requests would otherwise let REQUESTS_CA_BUNDLE in the environment win."""

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)


class _Provider(FlaskOAuth2App):
    client_cls = _Session


def init_app(app) -> None:
    """Register the provider when a discovery URL is configured (each app its own client)."""
    if not app.config.get("OIDC_DISCOVERY_URL"):
        return
    _organisation_map(app.config)  # a malformed map stops the start, saying what is wrong
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_cls=_Provider,
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=str(app.config["OIDC_CLIENT_ID"]),
        client_secret=str(app.config["OIDC_CLIENT_SECRET"]),
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": 10,  # seconds, for every call to the provider
            # TLS: the system's CAs, or the file of a private CA.
            "verify": app.config["OIDC_CA_BUNDLE"] or True,
        },
    )
    app.extensions[EXTENSION] = oauth
    app.extensions[ORIGINS] = {"origins": None, "failed_at": None}
    app.after_request(_allow_provider_in_form_action)


def _client():
    oauth = current_app.extensions.get(EXTENSION)
    return oauth.create_client(CLIENT) if oauth is not None else None


def button() -> dict | None:
    """What the login page needs for the single sign-on button, or None when it is off."""
    if current_app.extensions.get(EXTENSION) is None:
        return None
    name = current_app.config.get("OIDC_PROVIDER_NAME")
    label = _("Log in with %(name)s", name=name) if name else _("Log in with single sign-on")
    return {"label": label, "form": FlaskForm()}


@bp.route("/", methods=["POST"])
def start():
    """Send the browser to the identity provider (POST with a CSRF token: a third site cannot
    start a log-in on someone's behalf)."""
    client = _client()
    if client is None:
        abort(404)
    next_url = request.form.get("next", "")[:2000]
    try:
        response = client.authorize_redirect(url_for("auth.sso.callback", _external=True))
    except PROVIDER_ERRORS as error:
        logger.warning("single sign-on could not start (%s)", _described(error))
        return _refused("provider_error", None, None)
    session["_sso_next"] = next_url  # also marks a log-in this browser started
    return response


@bp.route("/callback")
def callback():
    """The provider sends the browser back here with a code (or an error)."""
    client = _client()
    if client is None:
        abort(404)
    immediate_writes()  # a GET that creates or updates the account (SQLite: one writer)
    leeway = int(current_app.config["OIDC_CLOCK_TOLERANCE"])
    try:
        token = client.authorize_access_token(leeway=leeway)
    except JoseError as error:  # the ID token: signature, nonce, issuer, audience, times
        logger.warning("single sign-on: the ID token was refused (%s)", _described(error))
        return _refused("token_invalid", None, None, detail=_described(error))
    except PROVIDER_ERRORS as error:  # a denial at the provider, a wrong state, no answer
        logger.warning("single sign-on failed (%s)", _described(error))
        return _refused("provider_error", None, None, detail=_described(error))
    claims = dict(token.get("userinfo") or {})
    if not claims:
        logger.warning("single sign-on: the provider sent no ID token")
        return _refused("provider_error", None, None, detail="no id_token")
    claims, userinfo_failed = _with_userinfo(client, token, claims)
    identity = accounts.identity_from_claims(claims)
    claim = current_app.config["OIDC_ROLE_CLAIM"]
    role = accounts.mapped_role(claims, claim, _role_map())
    memberships = accounts.mapped_memberships(claims, claim, _organisation_map(current_app.config))
    actor = audit.Actor(None, identity.email, None, request.remote_addr)
    try:
        user = accounts.sign_in(
            actor,
            identity,
            role,
            current_app.config["OIDC_REQUIRE_VERIFIED_EMAIL"],
            memberships,
        )
    except accounts.SsoRefused as refusal:
        db.session.rollback()
        reason = refusal.reason
        if userinfo_failed and reason in ("no_email", "no_role", "no_organisation"):
            reason = "userinfo_failed"  # what was missing may have been in the user info
        return _refused(reason, identity, refusal.user)
    next_url = session.pop("_sso_next", "")
    response = finish_login(user, next_url, "oidc")
    id_token = token.get("id_token")
    if isinstance(id_token, str) and len(id_token) <= ID_TOKEN_KEPT_MAX:
        session["_sso_id_token"] = id_token  # for the logout's id_token_hint
    elif id_token:
        logger.info("single sign-on: ID token too large to keep for the logout hint")
    return response


def _role_map() -> dict:
    value = current_app.config["OIDC_ROLE_MAP"]
    return value if isinstance(value, dict) else {}


def _organisation_map(config) -> dict:
    """OIDC_ORGANISATION_ROLE_MAP read (claim value → memberships); empty when not set."""
    raw = config.get("OIDC_ORGANISATION_ROLE_MAP") or {}
    try:
        return accounts_rules.organisation_role_map(raw)
    except ValueError as problem:
        raise InvalidSetting(f"OIDC_ORGANISATION_ROLE_MAP: {problem}") from None


def _described(error: Exception) -> str:
    """What went wrong, for the log and the audit event: the error's kind and its short text
    (a claim's name, an OAuth error code), bounded; never a token or personal data."""
    code = getattr(error, "error", None)
    text = f"{type(error).__name__}: {code or ''} {getattr(error, 'description', '') or ''}"
    return " ".join(text.split())[:200]


def _with_userinfo(client, token: dict, claims: dict) -> tuple[dict, bool]:
    """The ID token's claims completed by the provider's user info (OpenID Connect Core 5.4),
    and whether reading the user info failed (logged; the ID token's claims stand alone)."""
    try:
        endpoint = client.load_server_metadata().get("userinfo_endpoint")
    except PROVIDER_ERRORS:
        endpoint = None
    if not endpoint or not token.get("access_token"):
        return claims, False
    try:
        userinfo = dict(client.userinfo(token=token))
    except PROVIDER_ERRORS as error:
        logger.warning("single sign-on: the user info could not be read (%s)", _described(error))
        return claims, True
    merged = accounts.merged_claims(claims, userinfo)
    if merged is None:
        logger.warning("single sign-on: the user info is about another subject; ignored")
        return claims, True
    return merged, False


def _refused(reason: str, identity, user, detail: str | None = None):
    """The clear page for an identity that may not log in, and its audit event (only for a
    log-in this browser started: a stray GET of the callback writes nothing)."""
    started = "_sso_next" in session
    session.pop("_sso_next", None)
    message = str(accounts.REASONS[reason])
    if not started:
        return render_template("auth/sso_refused.html", message=message), 403
    after = {"reason": reason}
    if detail:
        after["detail"] = detail
    if identity is not None:
        after |= {"email": identity.email, "issuer": identity.issuer, "subject": identity.subject}
    audit.record(
        audit.Actor(None, identity.email if identity else None, None, request.remote_addr),
        "login_refused",
        "user",
        user.id if user is not None else None,
        after=after,
        result="refused",
    )
    db.session.commit()
    return render_template("auth/sso_refused.html", message=message), 403


def end_session_url(id_token: str | None) -> str | None:
    """The provider's logout address (RP-initiated logout), when its discovery document has
    one: with the ID token as `id_token_hint` (when it was kept), our client id, and our login
    page as `post_logout_redirect_uri` (register it at the provider)."""
    client = _client()
    if client is None:
        return None
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        logout = client.create_logout_url(
            post_logout_redirect_uri=url_for("auth.login", _external=True),
            id_token_hint=id_token,
            client_id=str(current_app.config["OIDC_CLIENT_ID"]),
        )
    except PROVIDER_ERRORS as error:
        logger.warning("single sign-on: no logout at the provider (%s)", _described(error))
        return None
    return logout["url"]


def provider_origins(fetch: bool) -> tuple[str, ...]:
    """The origins the browser is sent on to from our log-in and log-out forms: the provider's
    authorisation and end-session endpoints (from its discovery document) and the configured
    OIDC_FORM_ACTION_ORIGINS. The discovery is read once per process (`fetch`: now, if it was
    not yet; after a failure, again a minute later at the earliest)."""
    state = current_app.extensions.get(ORIGINS)
    if state is None:
        return ()
    if state["origins"] is None and fetch:
        failed_at = state["failed_at"]
        if failed_at is None or time.monotonic() - failed_at > DISCOVERY_RETRY_SECONDS:
            try:
                metadata = _client().load_server_metadata()
            except PROVIDER_ERRORS as error:
                logger.warning("single sign-on: discovery failed (%s)", _described(error))
                state["failed_at"] = time.monotonic()
            else:
                endpoints = (
                    metadata.get("authorization_endpoint"),
                    metadata.get("end_session_endpoint"),
                )
                state["origins"] = tuple(dict.fromkeys(filter(None, map(_origin, endpoints))))
    extra = str(current_app.config.get("OIDC_FORM_ACTION_ORIGINS") or "").split()
    found = (*(state["origins"] or ()), *filter(None, map(_origin, extra)))
    return tuple(dict.fromkeys(found))


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _allow_provider_in_form_action(response):
    """CSP `form-action` governs the redirects after a form's POST too: the log-in button's
    POST is answered with a redirect to the provider, the log-out's (after single sign-on)
    with one to its logout. Pages with those forms allow the provider's origins."""
    if response.mimetype != "text/html" or "Content-Security-Policy" in response.headers:
        return response
    posts_to_provider = request.endpoint == "auth.login" or session.get("_amr") == "oidc"
    origins = provider_origins(fetch=posts_to_provider)
    if origins:
        response.headers["Content-Security-Policy"] = security.content_security_policy(origins)
    return response
