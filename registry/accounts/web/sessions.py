"""A user's session from the moment their identity is checked: starting it (password,
second factor or single sign-on), the marker of a password waiting for its second factor, and
the audit of throttled attempts. The login, two-factor and single sign-on pages all use these;
this module uses none of them."""

import time

from flask import redirect, request, session, url_for
from flask_login import login_user

from registry.accounts.models.users import User
from registry.accounts.services import users
from registry.accounts.web import throttle
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.navigation import safe_next

# A password accepted, the second factor still to come: this long at most.
PENDING_LOGIN_SECONDS = 300


def start_session(user: User) -> None:
    """A fresh session at login, with the clocks for the idle and absolute timeouts."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    now = int(time.time())
    session["_iat"] = now
    session["_seen"] = now


def finish_login(user: User, next_url: str | None, method: str, audited_as: str | None = None):
    """Start the user's session once every factor is checked, audit it, and go on."""
    users.record_login(
        audit.Actor.of(user, request.remote_addr),
        user,
        user.email,
        ok=True,
        method=audited_as or method,
    )
    db.session.commit()
    start_session_for(user, method)
    return redirect(safe_next(next_url, url_for("main.home")))


def start_session_for(user: User, method: str) -> None:
    """A fresh session for `user`, remembering how it was authenticated."""
    start_session(user)
    session["_amr"] = method
    login_user(user)


def begin_second_factor(user: User, next_url: str | None) -> None:
    """Remember a user whose password was right, until the code is given (not logged in)."""
    start_session(user)
    session["_pending"] = {
        "uid": user.id,
        "v": user.session_version,
        "at": int(time.time()),
        "next": next_url or "",
    }


def pending_user() -> tuple[User | None, str]:
    """The user waiting for their second factor in this session (and where they go next)."""
    pending = session.get("_pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_LOGIN_SECONDS:
        return None, ""
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_version != pending.get("v"):
        return None, ""
    return user, pending.get("next", "")


def throttled(kind: throttle.Throttle, account: str, refusal, email: str, user=None) -> None:
    """Audit a throttled attempt (once a minute per reason and key)."""
    if kind.should_audit(account, refusal):
        audit.record(
            audit.Actor(None, None, None, request.remote_addr),
            "login_throttled",
            "user",
            user.id if user is not None else None,
            after={"email": email, "reason": refusal.reason, "step": kind.scope},
            result="refused",
        )
        db.session.commit()
