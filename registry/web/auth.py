"""Logging in and out, the language switch and changing one's own password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.extensions import db, limiter
from registry.services import audit, users
from registry.web.forms.auth import LanguageForm, LoginForm, PasswordForm
from registry.web.navigation import safe_next

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:
    # Only failed attempts count towards the throttle.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def login():
    form = LoginForm(next=request.args.get("next"))
    home = url_for("main.home")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, home))
    if form.validate_on_submit():
        actor = audit.Actor(None, None, None, request.remote_addr)
        user = users.authenticate(form.email.data, form.password.data)
        users.record_login(
            actor if user is None else audit.Actor.of(user, request.remote_addr),
            user,
            form.email.data,
            ok=user is not None,
        )
        db.session.commit()
        if user is not None:
            users_next = safe_next(form.next.data, home)
            from registry.web.security import start_session

            start_session(user)
            login_user(user)
            return redirect(users_next)
        form.password.errors.append(_("E-mail address or password is not correct."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Logging out ends this session and every other session of the same user."""
    user = current_user._get_current_object()
    users.end_other_sessions(user)
    audit.record(audit.Actor.of(user, request.remote_addr), "logout", "user", user.id)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_password(
                audit.Actor.of(user, request.remote_addr), user, form.current.data, form.new.data
            )
        except users.UserError as error:
            getattr(form, error.field or "new").errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # keep this session on the new session version
            flash(
                _("Your password has been changed. Other sessions have been logged out."), "success"
            )
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
