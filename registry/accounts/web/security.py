"""Session handling and response hardening: who is logged in, for how long, and the headers
every response carries."""

import time
from collections.abc import Iterable

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from registry.accounts.models.users import User
from registry.accounts.web import twofactor
from registry.core.database import sqlite_immediate
from registry.core.extensions import db, login_manager

# Endpoints an anonymous visitor may reach; everything else requires a login.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.set_language",
    "static",
    "auth.two_factor.code",  # checks the password step itself
    "auth.sso.start",
    "auth.sso.callback",
    "health.healthz",
    "health.readyz",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def content_security_policy(form_action: Iterable[str] = ()) -> str:
    """The pages' policy: everything from our own origin only; forms may also be posted on to
    the origins in `form_action` (the single sign-on provider, see web/sso.py)."""
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        + " ".join(("form-action 'self'", *form_action))
    )


CSP = content_security_policy()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Restore the user from `id:session_version`; a bumped version ends old sessions."""
    id_text, _, version = user_id.partition(":")
    if not id_text.isdigit():
        return None
    user = db.session.get(User, int(id_text))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def _expired(now: int) -> bool:
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    issued, seen = session.get("_iat", 0), session.get("_seen", 0)
    return now - seen > idle or now - issued > absolute


def _api_request() -> bool:
    """API calls (and the OpenAPI document) never use the session; the reference page does."""
    return request.path.startswith("/api/") and request.endpoint != "api_docs.reference"


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our own session version does this job

    @app.before_request
    def _before():
        sqlite_immediate.set(request.method not in SAFE_METHODS)
        if request.endpoint in PUBLIC_ENDPOINTS or _api_request():
            return None  # the API authenticates by bearer token (registry.accounts.bearer)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        now = int(time.time())
        if _expired(now):
            logout_user()
            session.clear()
            flash(_l("Your session has expired. Please log in again."), "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        session["_seen"] = now
        g.user = current_user
        return twofactor.gate()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if current_app.config["HTTPS"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        if "attachment" in response.headers.get("Content-Disposition", ""):
            # Downloads hold personal data: send_file's "no-cache" still lets caches keep them.
            response.headers["Cache-Control"] = "no-store"
        return response
