"""Single sign-on with OpenID Connect (Authlib's Flask client): Keycloak, Microsoft Entra ID
or any provider with a discovery document.

The authorisation-code flow with PKCE (S256): the state, nonce and code verifier wait in the
session; the callback exchanges the code, and Authlib checks the ID token's signature (the
provider's JWKS), issuer, audience, expiry and nonce. `services.sso` decides which account the
identity is and with which role; a refusal is a page of its own, audited.
"""

from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
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
from requests import RequestException

from registry.accounts.services import sso as accounts
from registry.audit.services import audit
from registry.core.database import immediate_writes
from registry.core.extensions import db

bp = Blueprint("sso", __name__, url_prefix="/login/sso")

EXTENSION = "kennisborg_oidc"
CLIENT = "idp"


def init_app(app) -> None:
    """Register the provider when a discovery URL is configured (each app its own client)."""
    if not app.config.get("OIDC_DISCOVERY_URL"):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": 10,  # seconds, for every call to the provider
        },
    )
    app.extensions[EXTENSION] = oauth


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
    except (OAuthError, RequestException, ValueError):
        return _refused("provider_error", None, None)
    session["_sso_next"] = next_url  # also marks a log-in this browser started
    return response


@bp.route("/callback")
def callback():
    """The provider sends the browser back here with a code (or an error)."""
    from registry.accounts.web.auth import finish_login

    client = _client()
    if client is None:
        abort(404)
    immediate_writes()  # a GET that creates or updates the account (SQLite: one writer)
    try:
        token = client.authorize_access_token()
    except (OAuthError, RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("single sign-on failed: %s", error)
        return _refused("provider_error", None, None)
    claims = dict(token.get("userinfo") or {})
    if not claims:
        return _refused("provider_error", None, None)
    claim = current_app.config["OIDC_ROLE_CLAIM"]
    if not accounts.claim_values(claims, claim) and "userinfo_endpoint" in (
        client.load_server_metadata()
    ):
        # Some providers put groups in the user info only.
        try:
            extra = client.userinfo(token=token)
        except (OAuthError, RequestException, ValueError):
            extra = {}
        if extra.get("sub") == claims.get("sub"):
            claims = {**extra, **claims}
    identity = accounts.identity_from_claims(claims)
    role = accounts.mapped_role(claims, claim, current_app.config["OIDC_ROLE_MAP"])
    actor = audit.Actor(None, identity.email, None, request.remote_addr)
    try:
        user = accounts.sign_in(
            actor, identity, role, current_app.config["OIDC_REQUIRE_VERIFIED_EMAIL"]
        )
    except accounts.SsoRefused as refusal:
        db.session.rollback()
        return _refused(refusal.reason, identity, refusal.user)
    next_url = session.pop("_sso_next", "")
    return finish_login(user, next_url, "oidc")


def _refused(reason: str, identity, user):
    """The clear page for an identity that may not log in, and its audit event (only for a
    log-in this browser started: a stray GET of the callback writes nothing)."""
    started = "_sso_next" in session
    session.pop("_sso_next", None)
    message = str(accounts.REASONS[reason])
    if not started:
        return render_template("auth/sso_refused.html", message=message), 403
    after = {"reason": reason}
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


def end_session_url() -> str | None:
    """The provider's logout address (RP-initiated logout), when its discovery document has
    one; it sends the browser back to our login page."""
    client = _client()
    if client is None:
        return None
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (OAuthError, RequestException, ValueError):
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": current_app.config["OIDC_CLIENT_ID"],
            "post_logout_redirect_uri": url_for("auth.login", _external=True),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
