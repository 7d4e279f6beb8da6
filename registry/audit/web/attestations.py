"""Attestations for auditors and administrators: make one, read it (printable), see what has
changed since, download its bundle. There is no edit or delete route: attestations are
immutable, and the database refuses an UPDATE or DELETE as well."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.services import attestations, audit
from registry.audit.web.attestation_forms import AttestationForm
from registry.core import peildatum, periods
from registry.core.config import default_horizon
from registry.core.decorators import permission_required
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.i18n import per_page
from registry.core.permissions import Permission

bp = Blueprint("attestations", __name__, url_prefix="/attestations")


def _figure_label(name: str) -> str:
    return {
        "required_level": _("Required level"),
        "min_holders": _("Minimum holders"),
        "holders_now": _("Qualified now"),
        "holders_at_horizon": _("Qualified at the horizon"),
        "candidates": _("Candidates"),
        "status": _("Status"),
    }.get(name, name)


@bp.route("/")
@permission_required(Permission.AUDIT)
def index():
    """Every attestation, newest first."""
    return render_template("attestations/index.html", items=attestations.listing())


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.AUDIT)
def new():
    """Make an attestation of the current peildatum (or another as-of date and horizon)."""
    form = AttestationForm()
    if request.method == "GET":
        as_of, horizon = peildatum.current()
        form.as_of.data = as_of
        form.horizon.data = default_horizon() if horizon is None else horizon
    if form.validate_on_submit():
        try:
            att = attestations.create(
                audit.Actor.of(current_user, request.remote_addr),
                current_user,
                form.as_of.data,
                form.horizon.data,
                form.statement.data,
            )
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field, form.statement).errors.append(_(str(error)))
        else:
            db.session.commit()
            flash(_("The attestation has been made. It can no longer be changed."), "success")
            return redirect(url_for("attestations.show", attestation_id=att.id))
    return render_template("attestations/new.html", form=form)


@bp.route("/<int:attestation_id>")
@permission_required(Permission.AUDIT)
def show(attestation_id: int):
    """The attestation as frozen, with what has changed since for the same date."""
    att = attestations.get(attestation_id) or abort(404)
    records = attestations.records(att)
    return render_template(
        "attestations/show.html",
        att=att,
        records=records,
        counts=attestations.counts(records),
        head=attestations.head_text(att),
        since=attestations.changes_since(att),
        horizon_end=periods.horizon_end(att.as_of, att.horizon),
        figure_label=_figure_label,
        format_date=per_page(format_date),
    )


@bp.route("/<int:attestation_id>/bundle.zip")
@permission_required(Permission.AUDIT)
def bundle(attestation_id: int):
    """The bundle (report.csv, statement.txt, README.txt, manifest.sha256) as a ZIP."""
    att = attestations.get(attestation_id) or abort(404)
    name = attestations.bundle_name(att)
    return Response(
        attestations.bundle(att),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
