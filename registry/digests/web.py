"""The daily digest opt-in on the account page: a checkbox in its own small form (the page's
password form is left alone), saved with an audit event."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from registry.audit.services import audit
from registry.core.decorators import permission_required
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.digests import services as digests

bp = Blueprint("digests", __name__)
PREFIX = "digest"


class DigestForm(FlaskForm):
    """One checkbox; prefixed, so its ids differ from the password form's on the same page."""

    receive = BooleanField(
        _l("Send me the daily e-mail digest"),
        description=_l(
            "New gaps, requirements that fall short soon and why, departures, expiring "
            "assessments and risks, overdue mitigations and ending contracts. Owners of "
            "services receive it anyway."
        ),
    )


@bp.app_context_processor
def _digest_form():
    def digest_form():
        """The opt-in form for the logged-in user, ticked as stored."""
        return DigestForm(formdata=None, prefix=PREFIX, receive=bool(current_user.digest_opt_in))

    return {"digest_form": digest_form}


@bp.route("/account/digest", methods=["POST"])
@permission_required(Permission.READ)
def subscription():
    form = DigestForm(prefix=PREFIX)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        wanted = bool(form.receive.data)
        if digests.set_opt_in(audit.Actor.of(user, request.remote_addr), user, wanted):
            db.session.commit()
        flash(
            _("You will receive the daily digest by e-mail.")
            if wanted
            else _("You will no longer receive the daily digest."),
            "success",
        )
    else:
        flash(_("The form has expired; please try again."), "error")
    return redirect(url_for("auth.change_password"))
