"""API tokens for administrators: list (with last use), create (the token is shown once, in
the answer to the request that made it) and revoke.

In a registry of several organisations a token may be narrowed to one organisation. An
organisation's administrators see and revoke the tokens of its members that may act in it,
and make tokens for its members narrowed to it; the region's administrators see every token
and make any."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.accounts import rules as accounts_rules
from registry.accounts.services import tokens as token_service
from registry.accounts.services import users as user_service
from registry.core import tenancy
from registry.core.database import immediate_writes
from registry.core.decorators import permission_required
from registry.core.editing import actor, show_error
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.organisations import services as organisation_services
from registry.organisations.models import Organisation

bp = Blueprint("tokens", __name__, url_prefix="/tokens")


class TokenForm(FlaskForm):
    """A new API token for an account."""

    email = StringField(
        _l("Account (e-mail address)"),
        validators=[DataRequired(), Length(max=accounts_rules.EMAIL_MAX)],
        description=_l("The token acts as this account, with its role."),
    )
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=accounts_rules.TOKEN_NAME_MAX)],
        description=_l("What the token is for, e.g. HR system sync."),
    )
    scope = SelectField(
        _l("Scope"),
        choices=[
            SelectChoice("read", _l("read only")),
            SelectChoice("write", _l("read and write")),
        ],
        default="read",
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[DataRequired(), NumberRange(min=1, max=token_service.MAX_DAYS)],
    )
    # A registry of several organisations only (else removed).
    organisation = SelectField(
        _l("Organisation"),
        choices=[],
        description=_l(
            "A token narrowed to one organisation acts in it only, and stops working when the "
            "account is no longer a member of it."
        ),
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


def _organisation_only() -> bool:
    """Whether the logged-in administrator is an organisation's (not the region's) in a
    registry of several organisations: their tokens are the organisation's."""
    return tenancy.several_organisations() and current_user.region_role != "admin"


def _token_form(form: TokenForm) -> TokenForm:
    if not tenancy.several_organisations():
        del form.organisation
    elif _organisation_only():
        here = db.session.get(Organisation, tenancy.current_organisation_id())
        if here is None:
            abort(404)
        form.organisation.choices = [SelectChoice(str(here.id), here.name)]
    else:
        form.organisation.choices = [SelectChoice("", _("Every organisation of the account"))] + [
            SelectChoice(str(o.id), f"{o.name} ({o.code})")
            for o in organisation_services.all_organisations()
        ]
    return form


def _index(form, status=200):
    return render_template(
        "tokens/index.html",
        form=form,
        tokens=token_service.list_tokens(organisation_only=_organisation_only()),
        status_of=token_service.status,
        revoke_form=RevokeForm(),
        several=tenancy.several_organisations(),
    ), status


@bp.get("")
@permission_required(Permission.MANAGE_USERS)
def index():
    """Every token with its account, scope, expiry and last use."""
    return _index(_token_form(TokenForm()))


@bp.post("")
@permission_required(Permission.MANAGE_USERS)
def create():
    """Create a token and show it once."""
    form = _token_form(TokenForm())
    if not form.validate_on_submit():
        return _index(form)
    immediate_writes()
    user = user_service.find_by_email(form.email.data)
    if user is not None and _organisation_only() and not user_service.is_member_here(user):
        user = None  # another organisation's account does not exist here
    organisation = None
    if "organisation" in form and form.organisation.data:
        organisation = db.session.get(Organisation, int(form.organisation.data))
    try:
        token, secret = token_service.create_token(
            actor(),
            user,
            form.scope.data,
            form.days.data,
            name=form.name.data,
            created_by=current_user,
            organisation=organisation,
        )
    except ServiceError as error:
        db.session.rollback()
        if error.field == "user":
            error.field = "email"
        show_error(form, error)
        return _index(form)
    db.session.commit()
    return render_template("tokens/created.html", token=token, secret=secret)


@bp.post("/<int:token_id>/revoke")
@permission_required(Permission.MANAGE_USERS)
def revoke(token_id):
    """Revoke a token: it gets 401 from now on."""
    form = RevokeForm()
    token = token_service.visible_token(token_id, organisation_only=_organisation_only())
    if token is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(url_for("tokens.index"))
    immediate_writes()
    token_service.revoke_token(actor(), token)
    db.session.commit()
    flash(_("Token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
