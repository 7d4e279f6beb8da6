"""User accounts, for administrators: create, change role and links, deactivate and
reactivate, reset passwords, and the yearly access review (with a CSV export).

A generated password is shown once, in the response to the request that set it; it is never
stored in the session or sent again.

In a registry of several organisations an organisation's administrators manage its members:
they create accounts with a role in it, change that role and end the membership (the account
and its other memberships stay); any other account does not exist for them (404). What
concerns the whole account — its activation, password and second factor — of an account that
is also a member elsewhere (another organisation, the region) is for the region's
administrators (403), who manage every account and all of its memberships. With one
organisation none of this shows.
"""

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from registry.accounts.models.users import User
from registry.accounts.services import twofactor, users
from registry.accounts.web.user_forms import (
    ActivationForm,
    EditUserForm,
    MembershipForm,
    NewUserForm,
    RemoveMembershipForm,
    ResetPasswordForm,
    ResetTwoFactorForm,
    UserFilterForm,
)
from registry.audit.services import provenance
from registry.core import tenancy
from registry.core.decorators import permission_required
from registry.core.editing import actor, conflict, edit_page, form_page, like, show_error
from registry.core.errors import StaleRecord
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.core.permissions import ROLES, Permission
from registry.core.provenance import csv_preamble
from registry.core.templating import role_label
from registry.organisations import services as organisation_services
from registry.organisations.models import Membership, Organisation
from registry.people.fields import org_unit_choices

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.url_value_preprocessor
def _bound_form_size(endpoint, values):
    # An account form is a few hundred bytes; a larger body is refused (413) before anything,
    # the CSRF check and the employee-number lookup included, reads it.
    from registry.accounts.web.auth import FORM_MEMORY_LIMIT

    request.max_form_memory_size = FORM_MEMORY_LIMIT
    request.max_content_length = FORM_MEMORY_LIMIT


# The organisation select's value for the whole region.
REGION = "region"
# The prefix of the membership form's fields: the account page has a role field of its own.
MEMBERSHIP = "membership"


def _role_choices(empty=None):
    head = [SelectChoice("", empty)] if empty else []
    return head + [SelectChoice(role, role_label(role)) for role in ROLES]


def _region_admin() -> bool:
    """Whether the logged-in user administers the whole region: every account and all of its
    memberships (in a registry of one organisation: every administrator)."""
    return current_user.region_role == "admin"


def _acted_in() -> Organisation:
    """The organisation acted in (a user who may manage accounts acts in one)."""
    organisation_id = tenancy.current_organisation_id()
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        abort(404)
    return organisation


def _organisation_choices():
    """The whole region, then every organisation (region administrators)."""
    return [SelectChoice(REGION, _("Whole region"))] + [
        SelectChoice(str(o.id), f"{o.name} ({o.code})")
        for o in organisation_services.all_organisations()
    ]


def _organisation_named(value: str | None) -> Organisation | None:
    """The organisation a membership form names (REGION: None, the region); another value
    does not exist (404)."""
    text = value or ""
    if text == REGION:
        return None
    organisation = db.session.get(Organisation, int(text)) if text.isdigit() else None
    if organisation is None:
        abort(404)
    return organisation


def _account_form(form):
    form.role.choices = _role_choices()
    form.org_unit_id.choices = org_unit_choices(_("(none)"))
    if isinstance(form, NewUserForm):
        if tenancy.several_organisations() and _region_admin():
            form.organisation.choices = _organisation_choices()
        else:
            del form.organisation  # the account is made in the organisation acted in
    if tenancy.several_organisations():
        if _region_admin() and isinstance(form, EditUserForm):
            del form.role  # the table of memberships gives the roles
        elif not _region_admin():
            here = _acted_in()
            form.role.label.text = _("Role in %(organisation)s", organisation=here.name)
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
            **_memberships_part(user),
            **context,
        )

    return render


@dataclass(frozen=True)
class MembershipRow:
    """A row of the account's memberships: where (None: the whole region), the role, and the
    form of its button that ends it."""

    organisation: Organisation | None
    role: str
    form: RemoveMembershipForm


def _memberships_part(user: User) -> dict:
    """What the account page shows of memberships: nothing with one organisation; for a
    region administrator every membership (with a button to end each) and the form that adds
    one; for an organisation's administrator the button that ends its own membership."""
    if not tenancy.several_organisations():
        return {"several": False, "manages_account": True}
    if _region_admin():
        organisations: dict[int | None, Organisation] = {
            o.id: o for o in organisation_services.all_organisations()
        }
        rows = [
            MembershipRow(
                organisations.get(m.organisation_id),
                m.role,
                RemoveMembershipForm(
                    formdata=None,
                    data={"organisation": str(m.organisation_id) if m.organisation_id else REGION},
                ),
            )
            for m in user.memberships
        ]
        # The region first, then the organisations by code.
        rows.sort(key=lambda row: (row.organisation is not None, _code(row.organisation)))
        form = MembershipForm(formdata=None, data={"role": "editor"}, prefix=MEMBERSHIP)
        form.organisation.choices = _organisation_choices()
        form.role.choices = _role_choices()
        return {
            "several": True,
            "manages_account": True,
            "memberships": rows,
            "membership_form": form,
        }
    here = _acted_in()
    return {
        "several": True,
        "manages_account": _manages_account(user),
        "here": here,
        "remove_here": RemoveMembershipForm(formdata=None, data={"organisation": str(here.id)}),
    }


def _code(organisation: Organisation | None) -> str:
    return organisation.code if organisation else ""


def _account_or_404(user_id: int) -> User:
    """An account of the organisation acted in (a region administrator: any account); any
    other does not exist here (404)."""
    query = select(User).where(User.id == user_id)
    if not _region_admin():
        query = query.where(organisation_services.members_condition(User.id))
    user = db.session.scalar(query)
    if user is None:
        abort(404)
    return user


def _manages_account(user: User) -> bool:
    """Whether the logged-in administrator may change what concerns the whole account (its
    activation, password, second factor): a region administrator, or an organisation's when
    the account is a member of that organisation only."""
    return _region_admin() or not users.memberships_elsewhere(user)


def _whole_account_or_403(user_id: int) -> User:
    user = _account_or_404(user_id)
    if not _manages_account(user):
        abort(403)
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
    # A region administrator sees every account, with all of its memberships.
    everyone = _region_admin()
    if not everyone:
        query = query.where(organisation_services.members_condition(User.id))
    if form.role.data in ROLES:
        query = query.where(
            User.id.in_(
                select(Membership.user_id).where(
                    Membership.role == form.role.data,
                    true() if everyone else users.membership_here(),
                )
            )
        )
    page = db.paginate(query.order_by(func.lower(User.email)), error_out=False, per_page=50)
    organisations = None
    if everyone and tenancy.several_organisations():
        organisations = {o.id: o for o in organisation_services.all_organisations()}
    return render_template(
        "users/index.html",
        form=form,
        page=page,
        filtered=bool(text or form.role.data),
        organisations=organisations,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def new():
    form = _account_form(NewUserForm())
    if request.method == "GET":
        form.role.data = "editor"
        if "organisation" in form:
            form.organisation.data = str(tenancy.current_organisation_id())
    if form.validate_on_submit():
        where = users.ACTED_IN
        if "organisation" in form:
            where = _organisation_named(form.organisation.data)
        try:
            user, generated = users.create_account(
                actor(),
                form.email.data,
                form.role.data,
                name=form.name.data,
                password=form.password.data,
                person_id=form.person.data,
                org_unit_id=form.org_unit_id.data,
                where=where,
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
            form.role.data if "role" in form else None,
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
    user = _whole_account_or_403(user_id)
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
    user = _whole_account_or_403(user_id)
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
    user = _whole_account_or_403(user_id)
    return _account_button(
        user,
        ResetTwoFactorForm(),
        lambda version: twofactor.reset_by_admin(actor(), user, version),
        _(
            "Two-factor authentication of %(email)s has been reset; its sessions have ended.",
            email=user.email,
        ),
    )


def _membership_of(user: User, organisation: Organisation | None) -> str | None:
    organisation_id = organisation.id if organisation else None
    return next((m.role for m in user.memberships if m.organisation_id == organisation_id), None)


def _place_label(organisation: Organisation | None) -> str:
    return organisation.name if organisation else _("Whole region")


@bp.route("/<int:user_id>/memberships", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def add_membership(user_id):
    """A region administrator gives the account a role in an organisation or in the whole
    region, or changes the role it has there (a registry of several organisations only)."""
    user = _account_or_404(user_id)
    if not tenancy.several_organisations():
        abort(404)
    if not _region_admin():
        abort(403)
    form = MembershipForm(prefix=MEMBERSHIP)
    form.organisation.choices = _organisation_choices()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        abort(400)
    where = _organisation_named(form.organisation.data)
    try:
        users.set_membership(actor(), user, where, form.role.data)
        db.session.commit()
    except users.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(
            _(
                "%(email)s is %(role)s in %(organisation)s.",
                email=user.email,
                role=role_label(form.role.data),
                organisation=_place_label(where),
            ),
            "success",
        )
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/memberships/remove", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def remove_membership(user_id):
    """End the account's membership of an organisation (or of the region); the account and
    its other memberships stay. An organisation's administrators end their own organisation's
    membership only (a registry of several organisations only)."""
    user = _account_or_404(user_id)
    if not tenancy.several_organisations():
        abort(404)
    form = RemoveMembershipForm()
    if not form.validate_on_submit():
        abort(400)
    where = _organisation_named(form.organisation.data)
    region_admin = _region_admin()
    if not region_admin and (where is None or where.id != tenancy.current_organisation_id()):
        abort(404)  # another organisation's membership does not exist here
    if _membership_of(user, where) is None:
        abort(404)
    try:
        users.remove_membership(actor(), user, where)
        db.session.commit()
    except users.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("users.edit", user_id=user.id))
    flash(
        _(
            "%(email)s is no longer a member of %(organisation)s.",
            email=user.email,
            organisation=_place_label(where),
        ),
        "success",
    )
    if region_admin:
        return redirect(url_for("users.edit", user_id=user.id))
    return redirect(url_for("users.index"))  # the account is not this organisation's any more


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
