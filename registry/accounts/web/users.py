"""User accounts, for administrators: create, change role and links, deactivate and
reactivate, reset passwords, and the yearly access review (with a CSV export).

A generated password is shown once, in the response to the request that set it; it is never
stored in the session or sent again.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from registry.accounts.models.users import User
from registry.accounts.services import twofactor, users
from registry.accounts.web.user_forms import (
    ActivationForm,
    EditUserForm,
    NewUserForm,
    ResetPasswordForm,
    ResetTwoFactorForm,
    UserFilterForm,
)
from registry.audit.services import provenance
from registry.core.decorators import permission_required
from registry.core.editing import actor, conflict, edit_page, form_page, like, show_error
from registry.core.errors import StaleRecord
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.core.permissions import ROLES, Permission
from registry.core.provenance import csv_preamble
from registry.core.templating import role_label
from registry.organisations import services as organisation_services
from registry.organisations.models import Membership
from registry.people.fields import org_unit_choices

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.url_value_preprocessor
def _bound_form_size(endpoint, values):
    # An account form is a few hundred bytes; a larger body is refused (413) before anything,
    # the CSRF check and the employee-number lookup included, reads it.
    from registry.accounts.web.auth import FORM_MEMORY_LIMIT

    request.max_form_memory_size = FORM_MEMORY_LIMIT
    request.max_content_length = FORM_MEMORY_LIMIT


def _role_choices(empty=None):
    head = [SelectChoice("", empty)] if empty else []
    return head + [SelectChoice(role, role_label(role)) for role in ROLES]


def _account_form(form):
    form.role.choices = _role_choices()
    form.org_unit_id.choices = org_unit_choices(_("(none)"))
    return form


def _stored_user(user: User) -> EditUserForm:
    return _account_form(
        EditUserForm(
            formdata=None,
            data={
                "name": user.name,
                "role": user.role,
                "org_unit_id": user.org_unit_id,
                "person": user.person_id,
                "version": user.version,
            },
        )
    )


def _edit_page(user: User):
    """Render the account page around `form`; the activation and password buttons carry the
    account's version as it is now."""

    def render(**context):
        activation = ActivationForm(formdata=None, data={"version": user.version})
        reset = ResetPasswordForm(formdata=None, data={"version": user.version})
        reset_2fa = ResetTwoFactorForm(formdata=None, data={"version": user.version})
        return render_template(
            "users/edit.html",
            user=user,
            activation=activation,
            reset=reset,
            reset_2fa=reset_2fa,
            **context,
        )

    return render


def _account_or_404(user_id: int) -> User:
    """An account of the organisation acted in; any other does not exist here (404)."""
    user = db.session.scalar(
        select(User).where(User.id == user_id, organisation_services.members_condition(User.id))
    )
    if user is None:
        abort(404)
    return user


@bp.route("/")
@permission_required(Permission.MANAGE_USERS)
def index():
    form = UserFilterForm(formdata=request.args)
    form.role.choices = _role_choices(_("All roles"))
    query = select(User).options(joinedload(User.org_unit), joinedload(User.person))
    text = (form.q.data or "").strip().lower()
    if text:
        pattern = like(text)
        query = query.where(
            or_(User.email.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))
        )
    query = query.where(organisation_services.members_condition(User.id))
    if form.role.data in ROLES:
        query = query.where(
            User.id.in_(
                select(Membership.user_id).where(
                    Membership.role == form.role.data, users.membership_here()
                )
            )
        )
    page = db.paginate(query.order_by(func.lower(User.email)), error_out=False, per_page=50)
    return render_template(
        "users/index.html", form=form, page=page, filtered=bool(text or form.role.data)
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def new():
    form = _account_form(NewUserForm())
    if request.method == "GET":
        form.role.data = "editor"
    if form.validate_on_submit():
        try:
            user, generated = users.create_account(
                actor(),
                form.email.data,
                form.role.data,
                name=form.name.data,
                password=form.password.data,
                person_id=form.person.data,
                org_unit_id=form.org_unit_id.data,
            )
        except users.UserError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            if generated:
                # Shown in this response only (not via flash: the session is a cookie).
                return render_template(
                    "users/password_shown.html", user=user, password=generated, created=True
                )
            flash(_("The account %(email)s has been created.", email=user.email), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/new.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def edit(user_id):
    user = _account_or_404(user_id)
    form = _stored_user(user) if request.method == "GET" else _account_form(EditUserForm())
    return edit_page(
        form,
        _edit_page(user),
        lambda: users.update_account(
            actor(),
            user,
            form.version.data,
            form.name.data,
            form.role.data,
            person_id=form.person.data,
            org_unit_id=form.org_unit_id.data,
        ),
        lambda u: url_for("users.edit", user_id=u.id),
        fresh=lambda: _stored_user(user),
        message=lambda u: _("The account %(email)s has been saved.", email=u.email),
    )


def _account_button(user: User, form, act, message: str):
    """A button on the account page (POST): `act(version)` with the version the user saw,
    commit, flash `message`, back to the page. A refusal is flashed; a newer version answers
    409 with the page as it is now."""
    if not form.validate_on_submit():
        abort(400)
    try:
        act(form.version.data)
        db.session.commit()
    except users.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
    except (StaleRecord, StaleDataError):
        db.session.rollback()
        flash(
            _("Someone else changed this account after you opened it. Check it and try again."),
            "error",
        )
        return conflict(_edit_page(user), form, _stored_user(user))
    else:
        flash(message, "success")
    return redirect(url_for("users.edit", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = _account_or_404(user_id)
    if active:
        message = _("The account %(email)s has been reactivated.", email=user.email)
    else:
        message = _(
            "The account %(email)s has been deactivated; its sessions have ended.",
            email=user.email,
        )
    return _account_button(
        user,
        ActivationForm(),
        lambda version: users.set_active(actor(), user, version, active),
        message,
    )


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def deactivate(user_id):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def reactivate(user_id):
    return _set_active(user_id, True)


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def reset_password(user_id):
    user = _account_or_404(user_id)
    render = form_page("users/reset_password.html", user=user)
    if request.method == "GET":
        return render(form=ResetPasswordForm(formdata=None, data={"version": user.version}))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            generated = users.reset_password(actor(), user, form.version.data, form.password.data)
            db.session.commit()
        except users.UserError as error:
            db.session.rollback()
            show_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            return conflict(
                render, form, ResetPasswordForm(formdata=None, data={"version": user.version})
            )
        else:
            if generated:
                return render_template(
                    "users/password_shown.html", user=user, password=generated, created=False
                )
            flash(
                _(
                    "The password of %(email)s has been reset; its sessions have ended.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("users.edit", user_id=user.id))
    return render(form=form)


@bp.route("/<int:user_id>/two-factor/reset", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def reset_two_factor(user_id):
    """Switch off another account's two-factor authentication (a lost phone): its sessions
    end, and an account whose role requires it enrols again at its next log-in."""
    user = _account_or_404(user_id)
    return _account_button(
        user,
        ResetTwoFactorForm(),
        lambda version: twofactor.reset_by_admin(actor(), user, version),
        _(
            "Two-factor authentication of %(email)s has been reset; its sessions have ended.",
            email=user.email,
        ),
    )


@bp.route("/review")
@permission_required(Permission.REVIEW_ACCESS)
def review():
    """The yearly access review: every account with role, status and last login (auditors
    read it too, BIO 5.18)."""
    return render_template("users/review.html", rows=users.access_review())


@bp.route("/review.csv")
@permission_required(Permission.REVIEW_ACCESS)
def review_csv():
    stamp = provenance.stamp("access review", made_by=current_user.email)
    body = (  # BOM: Excel reads UTF-8; then the dated preamble (docs: README.md)
        "\ufeff" + csv_preamble(stamp) + users.access_review_csv(users.access_review())
    )
    filename = f"access-review-{utcnow().date().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
