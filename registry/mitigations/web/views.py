"""Maatregelen: every mitigation with its note, filters (status, kind, owner, overdue) and the
gap it answers (service, competence and the requirement's status today), and the form that
plans a mitigation for a requirement's gap or changes one.

The blueprint has no URL prefix: the list is /mitigations/, while a mitigation's form keeps its
address under the requirement it answers (/services/<code>/requirements/<rid>/mitigations/new
and …/<mid>/edit), and /services/mitigations, the list's old address, still redirects here.
Reading is for every logged-in role; planning and changing mitigations for admins, editors and
managers. Every edit form carries the record's version: saving over a newer change answers 409
with the current values and what the user had typed.
"""

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import format_date

from registry.catalogue.models.services import Requirement, Service
from registry.catalogue.services import catalogue
from registry.core.decorators import permission_required
from registry.core.editing import PER_PAGE, actor, edit_page, form_page
from registry.core.extensions import db
from registry.core.i18n import per_page
from registry.core.permissions import Permission
from registry.gaps import services as gaps
from registry.mitigations import rules
from registry.mitigations import services as mitigations
from registry.mitigations.web.forms import MitigationForm, MitigationListForm

bp = Blueprint("mitigations", __name__)


@bp.route("/mitigations/")
@permission_required(Permission.READ)
def index():
    form = MitigationListForm(request.args)
    form.set_choices()
    form.validate()
    today = date.today()
    filters = mitigations.MitigationFilter(
        status=form.value("status"),
        kind=form.value("kind"),
        owner=form.value("owner"),
        overdue=bool(form.value("overdue")),
    )
    page = db.paginate(mitigations.listing(filters, today), per_page=PER_PAGE, error_out=False)
    return render_template(
        "mitigations/index.html",
        form=form,
        page=page,
        rows=gaps.rows_of((m.requirement_id for m in page.items), today),
        today=today,
        filtered=any((filters.status, filters.kind, filters.owner, filters.overdue)),
        overdue=lambda m: rules.is_overdue(m.status, m.due_on, today),
        accepted_until=lambda m: rules.accepted_until(m.kind, m.status, m.risk_expires_on, today),
        format_date=per_page(format_date),
        period={},
    )


@bp.route("/services/mitigations")
@permission_required(Permission.READ)
def moved_list():
    """The list moved to Maatregelen (/mitigations/); old links and bookmarks still work."""
    return redirect(url_for("mitigations.index", **request.args.to_dict()), 301)


# --- planning and changing a mitigation ------------------------------------------------------


def _requirement_or_404(code: str, rid: int) -> tuple[Service, Requirement]:
    service = catalogue.service_by_code(code) or abort(404)
    return service, catalogue.requirement_of(service, rid) or abort(404)


@bp.route("/services/<code>/requirements/<int:rid>/mitigations/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_MITIGATIONS)
def new(code, rid):
    service, requirement = _requirement_or_404(code, rid)
    form = MitigationForm.for_page()
    return edit_page(
        form,
        form_page(
            "mitigations/form.html",
            service=service,
            requirement=requirement,
            mitigation=None,
        ),
        lambda: mitigations.create_mitigation(actor(), requirement, **form.values()),
        lambda _m: url_for("dossiers.service", code=code),
    )


@bp.route(
    "/services/<code>/requirements/<int:rid>/mitigations/<int:mid>/edit", methods=["GET", "POST"]
)
@permission_required(Permission.EDIT_MITIGATIONS)
def edit(code, rid, mid):
    service, requirement = _requirement_or_404(code, rid)
    mitigation = mitigations.mitigation_of(rid, mid) or abort(404)
    form = MitigationForm.for_page(mitigation)
    return edit_page(
        form,
        form_page(
            "mitigations/form.html",
            service=service,
            requirement=requirement,
            mitigation=mitigation,
        ),
        lambda: mitigations.update_mitigation(
            actor(), mitigation, form.version.data, **form.values()
        ),
        lambda _m: url_for("mitigations.index"),
        fresh=lambda: MitigationForm.stored(mitigation),
    )
