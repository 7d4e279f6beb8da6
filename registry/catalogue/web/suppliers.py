"""The supplier register (BIO2 5.19–5.22) as a page and an XLSX download, dated as every
export (services/provenance.py)."""

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.services import provenance
from registry.catalogue.services import suppliers
from registry.core.decorators import permission_required
from registry.core.permissions import Permission
from registry.core.report_pages import ReportForm, read, render
from registry.core.templating import label

bp = Blueprint("suppliers", __name__, url_prefix="/reports/suppliers")


@bp.route("/")
@permission_required(Permission.READ)
def index():
    form = read(ReportForm())
    as_of, horizon = form.period()
    return render("suppliers/index.html", form, rows=suppliers.register(as_of, horizon))


def _header() -> list[str]:
    return [
        _("Provider"),
        _("Kind of provider"),
        _("Service code"),
        _("Service"),
        _("Status"),
        _("Criticality"),
        _("Contract start"),
        _("Contract end"),
        _("Contract ending within the horizon"),
        _("Owner"),
        _("Owner's employee number"),
        _("Requirements"),
        _("Covered"),
        _("Coverage"),
        _("Gaps"),
        _("Open mitigations"),
        _("Overdue mitigations"),
    ]


def _row(r: suppliers.SupplierRow) -> list:
    return [
        r.provider_name,
        label("provider_kind", r.provider_kind),
        r.service_code,
        r.service_name,
        label("service_status", r.status),
        label("criticality", r.criticality),
        r.contract_start,
        r.contract_end,
        _("yes") if r.contract_ending else _("no"),
        r.owner_name,
        r.owner_number,
        r.requirements,
        r.covered,
        None if r.coverage is None else round(r.coverage, 1),
        r.gaps,
        r.open_mitigations,
        r.overdue_mitigations,
    ]


@bp.route("/register.xlsx")
@permission_required(Permission.READ)
def export():
    """The register as XLSX, with the sheet "Verantwoording"."""
    form = read(ReportForm())
    as_of, horizon = form.period()
    rows = suppliers.register(as_of, horizon)
    stamp = provenance.stamp("supplier register", as_of, horizon, made_by=current_user.email)
    data = provenance.dated_xlsx(
        _header(), [_row(r) for r in rows], stamp, title=_("Supplier register")
    )
    name = f"supplier-register-{as_of.isoformat()}.xlsx"
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
