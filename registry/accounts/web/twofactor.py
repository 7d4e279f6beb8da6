"""Two-factor authentication pages: the code after the password, enrolment, and one's own
settings (new recovery codes, switching it off where it is optional).

An account that has it on is not logged in until its code is given: the password step only
leaves a short-lived marker in the session (`sessions.begin_second_factor`). An account whose
role requires it but that has not enrolled is logged in, and `gate` sends every request of
that session to enrolment until it is done.
"""

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
from itsdangerous import BadData, URLSafeTimedSerializer

from registry.accounts.services import twofactor, users
from registry.accounts.web import throttle
from registry.accounts.web.sessions import finish_login, pending_user, throttled
from registry.accounts.web.twofactor_forms import ConfirmCodeForm, EnrolForm, LoginCodeForm
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.navigation import safe_next

bp = Blueprint("two_factor", __name__, url_prefix="/two-factor")

# Reachable by a session that must enrol first (and everything public).
_GATE_FREE = {
    "auth.two_factor.enrol",
    "auth.two_factor.code",
    "auth.logout",
    "auth.set_language",
    "static",
}


def required_for(user) -> bool:
    return twofactor.is_required(user, current_app.config["TWO_FACTOR_REQUIRED_ROLES"])


def gate():
    """Called for every request of a logged-in session: a password session of an account
    that must use two-factor authentication reaches only enrolment until it has enrolled,
    and a session that skipped a second factor the account now has ends."""
    if request.endpoint in _GATE_FREE:
        return None
    method = session.get("_amr", "pwd")
    if method == "oidc":
        return None  # the identity provider is responsible for its factors
    user = current_user._get_current_object()
    if user.two_factor_enabled and method != "pwd+otp":
        logout_user()
        session.clear()
        flash(_("Please log in again with your two-factor code."), "info")
        return redirect(url_for("auth.login"))
    if not user.two_factor_enabled and required_for(user):
        if request.method not in ("GET", "HEAD"):
            abort(403)
        flash(_("Your role requires two-factor authentication. Set it up to continue."), "info")
        return redirect(url_for("auth.two_factor.enrol", next=request.full_path.rstrip("?")))
    return None


def _actor(user):
    return audit.Actor.of(user, request.remote_addr)


@bp.route("/code", methods=["GET", "POST"])
def code():
    """The second step of a password login: a code from the app or a recovery code."""
    user, next_url = pending_user()
    if user is None:
        flash(_("Please log in first."), "info")
        return redirect(url_for("auth.login"))
    form = LoginCodeForm()
    if form.validate_on_submit():
        account = f"user:{user.id}"
        refusal = throttle.codes.check(account)
        if refusal is not None:
            throttled(throttle.codes, account, refusal, user.email, user)
            form.code.errors.append(refusal.message())
            return (
                render_template("auth/code.html", form=form),
                429,
                refusal.headers(),
            )
        method = twofactor.verify(_actor(user), user, form.code.data)
        db.session.commit()
        if method is None:
            throttle.codes.failed(account)
            form.code.errors.append(_("This code is not correct, or it has been used already."))
            return render_template("auth/code.html", form=form), 401
        throttle.codes.succeeded(account)
        response = finish_login(
            user, next_url, "pwd+otp", "pwd+recovery_code" if method == "recovery_code" else None
        )
        if method == "recovery_code":  # after the new session began: the flash lives in it
            flash(
                _(
                    "You used a recovery code; %(count)s are left. Make new ones on your "
                    "two-factor page when few are left.",
                    count=twofactor.unused_recovery_codes(user),
                ),
                "warning",
            )
        return response
    return render_template("auth/code.html", form=form)


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol():
    """Set up an authenticator app: the QR code and the secret, confirmed by a code; the
    recovery codes are shown once, in the answer."""
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        flash(_("Two-factor authentication is already on."), "info")
        return redirect(url_for("auth.two_factor.settings"))
    if not user.has_password:
        abort(404)  # single sign-on accounts use their identity provider's factors
    form = EnrolForm(next=request.args.get("next"))
    # The new key waits signed in the session (the page shows it anyway) until a code
    # confirms it: nothing is stored before, and a reload shows the same QR code.
    secret = _enrolment_secret(user, session.get("_enrol"))
    status, headers = 200, {}
    if request.method == "POST" and secret is None:
        flash(_("The set-up took too long or was changed; scan the new QR code."), "error")
        status = 400
    elif form.validate_on_submit():
        account = f"user:{user.id}"
        refusal = throttle.codes.check(account)
        if refusal is not None:
            throttled(throttle.codes, account, refusal, user.email, user)
            form.code.errors.append(refusal.message())
            status, headers = 429, refusal.headers()
        else:
            try:
                codes = twofactor.confirm_enrolment(_actor(user), user, secret, form.code.data)
            except users.UserError as error:
                db.session.rollback()
                throttle.codes.failed(account)
                form.code.errors.append(str(error))
                status = 400
            else:
                users.end_other_sessions(user)
                db.session.commit()
                login_user(user)  # this session goes on, on the new session version
                session["_amr"] = "pwd+otp"
                session.pop("_enrol", None)
                return render_template(
                    "auth/recovery_codes.html",
                    codes=codes,
                    next_url=safe_next(form.next.data, url_for("main.home")),
                    enrolled=True,
                )
    if secret is None:
        secret = twofactor.new_secret()
        session["_enrol"] = _serializer().dumps({"uid": user.id, "secret": secret})
    uri = twofactor.provisioning_uri(user, secret, current_app.config["TWO_FACTOR_ISSUER"])
    return (
        render_template(
            "auth/enrol.html",
            form=form,
            qr=twofactor.qr_svg_data_uri(uri),
            secret=twofactor.grouped_secret(secret),
            required=required_for(user),
        ),
        status,
        headers,
    )


ENROLMENT_SECONDS = 15 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="two-factor-enrolment")


def _enrolment_secret(user, token: str | None) -> str | None:
    """The key of this user's enrolment, when its signature and age are right."""
    try:
        data = _serializer().loads(token or "", max_age=ENROLMENT_SECONDS)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("uid") != user.id:
        return None
    return data.get("secret")


@bp.route("/")
@login_required
def settings():
    user = current_user._get_current_object()
    return render_template(
        "auth/two_factor.html",
        user=user,
        required=required_for(user),
        remaining=twofactor.unused_recovery_codes(user) if user.two_factor_enabled else 0,
        form=ConfirmCodeForm(),
    )


def _confirmed_by_code(user, form) -> bool:
    """Whether the form carries a valid current code (throttled like a login)."""
    if not form.validate_on_submit():
        return False
    account = f"user:{user.id}"
    refusal = throttle.codes.check(account)
    if refusal is not None:
        throttled(throttle.codes, account, refusal, user.email, user)
        form.code.errors.append(refusal.message())
        return False
    if twofactor.verify(_actor(user), user, form.code.data) is None:
        db.session.commit()  # the failed attempt stays in the audit log
        throttle.codes.failed(account)
        form.code.errors.append(_("This code is not correct, or it has been used already."))
        return False
    return True


def _settings_again(user, form, status=400):
    return render_template(
        "auth/two_factor.html",
        user=user,
        required=required_for(user),
        remaining=twofactor.unused_recovery_codes(user) if user.two_factor_enabled else 0,
        form=form,
    ), status


@bp.route("/", methods=["POST"])
@login_required
def change():
    """New recovery codes (`action=renew`) or switching it off (`action=off`, where the role
    allows), both confirmed with a current code."""
    user = current_user._get_current_object()
    action = request.form.get("action", "renew")
    if not user.two_factor_enabled or action not in ("renew", "off"):
        abort(400)
    if action == "off" and required_for(user):
        abort(403)
    form = ConfirmCodeForm()
    if not _confirmed_by_code(user, form):
        return _settings_again(user, form)
    if action == "renew":
        codes = twofactor.regenerate_recovery_codes(_actor(user), user)
        db.session.commit()
        return render_template(
            "auth/recovery_codes.html",
            codes=codes,
            next_url=url_for("auth.two_factor.settings"),
            enrolled=False,
        )
    twofactor.disable(_actor(user), user)
    db.session.commit()
    login_user(user)  # this session goes on; the others have ended
    session["_amr"] = "pwd"
    flash(_("Two-factor authentication is off. Other sessions have been logged out."), "success")
    return redirect(url_for("auth.two_factor.settings"))
