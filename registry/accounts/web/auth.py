"""Logging in and out, the language switch and changing one's own password."""

from flask import (
    Blueprint,
    abort,
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

from registry.accounts.services import users
from registry.accounts.web import sso, throttle
from registry.accounts.web import twofactor as twofactor_views
from registry.accounts.web.auth_forms import LanguageForm, LoginForm, PasswordForm
from registry.accounts.web.sessions import (
    begin_second_factor,
    finish_login,
    throttled,
)
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.navigation import safe_next

bp = Blueprint("auth", __name__)
bp.register_blueprint(twofactor_views.bp)
bp.register_blueprint(sso.bp)

# Nothing on these pages needs more than a few kilobytes of form; a larger body is refused
# before anything (the CSRF check included) reads it.
FORM_MEMORY_LIMIT = 16 * 1024


def init_app(app) -> None:
    """Login security: the throttle's storage and single sign-on (called by the factory)."""
    throttle.init_app(app)
    sso.init_app(app)


@bp.url_value_preprocessor
def _bound_form_size(endpoint, values):
    # URL value preprocessors run before every before_request function, CSRF's included.
    request.max_form_memory_size = FORM_MEMORY_LIMIT
    request.max_content_length = FORM_MEMORY_LIMIT


def local_login_enabled() -> bool:
    return bool(current_app.config["LOCAL_LOGIN"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next"))
    home = url_for("main.home")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, home))
    local = local_login_enabled()
    if request.method == "POST" and not local:
        abort(403)
    if local and form.validate_on_submit():
        # The form bounded the address (254 characters) before it is used as a key.
        email = form.email.data.strip()
        account = throttle.account_key(email)
        refusal = throttle.passwords.check(account)
        if refusal is not None:
            throttled(throttle.passwords, account, refusal, email)
            form.password.errors.append(refusal.message())
            return _login_page(form), 429, refusal.headers()
        user = users.authenticate(email, form.password.data)
        if user is None:
            throttle.passwords.failed(account)
            users.record_login(audit.Actor(None, None, None, request.remote_addr), None, email)
            db.session.commit()
            form.password.errors.append(_("E-mail address or password is not correct."))
            return _login_page(form), 401
        throttle.passwords.succeeded(account)
        if user.two_factor_enabled:
            begin_second_factor(user, form.next.data)
            return redirect(url_for("auth.two_factor.code"))
        return finish_login(user, form.next.data, "pwd")
    return _login_page(form)


def _login_page(form):
    return render_template(
        "auth/login.html", form=form, local_login=local_login_enabled(), sso=sso.button()
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Logging out ends this session and every other session of the same user; after a single
    sign-on it goes on to the identity provider's logout where it has one."""
    user = current_user._get_current_object()
    users.end_other_sessions(user)
    audit.record(audit.Actor.of(user, request.remote_addr), "logout", "user", user.id)
    db.session.commit()
    single_sign_on = session.get("_amr") == "oidc"
    id_token = session.get("_sso_id_token")
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have been logged out."), "info")
    provider_logout = sso.end_session_url(id_token) if single_sign_on else None
    return redirect(provider_logout or url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    if not (local_login_enabled() and user.has_password):
        # Single sign-on accounts (or all accounts, with local passwords off) have no password.
        if request.method == "POST":
            abort(403)
        return render_template("auth/password.html", form=None)
    form = PasswordForm()
    if form.validate_on_submit():
        account = throttle.account_key(user.email)
        refusal = throttle.passwords.check(account)
        if refusal is not None:
            throttled(throttle.passwords, account, refusal, user.email, user)
            form.current.errors.append(refusal.message())
            return (
                render_template("auth/password.html", form=form),
                429,
                refusal.headers(),
            )
        try:
            users.change_password(
                audit.Actor.of(user, request.remote_addr), user, form.current.data, form.new.data
            )
        except users.UserError as error:
            db.session.rollback()
            if error.field == "current":
                throttle.passwords.failed(account)
            getattr(form, error.field or "new").errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # keep this session on the new session version
            flash(
                _("Your password has been changed. Other sessions have been logged out."), "success"
            )
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
