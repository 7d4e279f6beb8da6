"""Maatregelen: every mitigation with its note, filters (status, kind, owner, overdue) and the
gap it answers (service, competence and the requirement's status today)."""

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date

from registry.core.decorators import permission_required
from registry.core.editing import PER_PAGE
from registry.core.extensions import db
from registry.core.i18n import per_page
from registry.core.permissions import Permission
from registry.gaps import services as gaps
from registry.mitigations import rules
from registry.mitigations import services as mitigations
from registry.mitigations.web.forms import MitigationListForm

bp = Blueprint("mitigations", __name__, url_prefix="/mitigations")


@bp.route("/")
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
