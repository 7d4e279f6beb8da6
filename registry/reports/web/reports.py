"""Reports: the dashboard, the gap list and its exports, the coverage and skills matrices, and
the what-if analysis. Every page reads its filters from the query string (bookmarkable) and
writes nothing.

Why more than 400 lines: the report pages share the reading of their filters and the export
code; split per page, those helpers would be imported back and forth.
"""

from datetime import date

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.audit.services import provenance
from registry.core import peildatum
from registry.core.decorators import permission_required
from registry.core.extensions import db
from registry.core.i18n import localize_text, localized_choice
from registry.core.permissions import Permission
from registry.core.report_pages import ListPage, ReportForm, page_number, read, render
from registry.core.templating import choices, label
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules
from registry.gaps.services import GapFilter
from registry.gaps.services import forecast as forecasting
from registry.gaps.services.head_cache import memo
from registry.gaps.services.region import regional_candidates_of
from registry.mitigations import services as mitigations
from registry.people.models.staff import OrgUnit
from registry.reports.services import lists, options
from registry.reports.web.forms import GapFilterForm, MatrixForm, SkillsForm, WhatIfForm

bp = Blueprint("reports", __name__, url_prefix="/reports")

TOP_RISKS = 10
# A dashboard summarises: every list shows its first rows and links to the whole list.
DASHBOARD_ROWS = 10
AFFECTED_SHOWN = 5


# --- dashboard -------------------------------------------------------------------------------


@bp.route("/")
@permission_required(Permission.READ)
def dashboard():
    form = read(ReportForm())
    as_of, horizon = form.period()
    rows = gaps.analyse(as_of, horizon)
    by_id = {row.requirement_id: row for row in rows}
    # Not gap figures, but as dear at region scale: memoised on the audit head too.
    departures, leaving_total = memo(
        ("leaving", as_of, horizon), lambda: lists.leaving_people(as_of, horizon)
    )
    top = [row for row in gaps.by_risk(rows) if row.status != rules.COVERED][:TOP_RISKS]
    contracts = memo(("contracts", as_of, horizon), lambda: lists.ending_contracts(as_of, horizon))
    ended = memo(("ended", as_of), lambda: lists.ended_contracts(as_of))
    return render(
        "reports/dashboard.html",
        form,
        rows=rows,
        counts=gaps.status_counts(rows),
        coverage=gaps.coverage(rows),
        providers=gaps.coverage_by_provider(rows),
        top=top,
        mitigations=mitigations.open_for((row.requirement_id for row in top), as_of),
        departures=[
            (d, sorted((by_id[r] for r in d.requirement_ids if r in by_id), key=rules_order))
            for d in departures[:DASHBOARD_ROWS]
        ],
        departures_total=len(departures),
        affected_shown=AFFECTED_SHOWN,
        leaving_total=leaving_total,
        contracts=contracts[:DASHBOARD_ROWS],
        contracts_total=len(contracts),
        ended=ended[:DASHBOARD_ROWS],
        ended_total=len(ended),
        service_coverage=gaps.coverage_by_service(rows),
        stale=memo(("stale", as_of), lambda: lists.stale_assessments(as_of)),
        expiring=memo(
            ("expiring", as_of, horizon), lambda: lists.expiring_holdings(as_of, horizon)
        ),
        upcoming=forecasting.upcoming(as_of),
    )


def rules_order(row):
    """Report order: worst status first, then service and competence code."""
    return (-row.severity, row.service_code, row.competence_code)


# --- gap list and exports --------------------------------------------------------------------


MITIGATION_FILTERS = (
    (mitigations.WITHOUT, _l("without mitigation")),
    (mitigations.WITH, _l("with a mitigation")),
    (mitigations.ACCEPTED, _l("risk accepted")),
)


def gap_form() -> tuple[GapFilterForm, list, dict]:
    """The gap-list form with its options, the rows it selects (highest risk first) and their
    open mitigations (one query for all rows)."""
    form = GapFilterForm()
    service_rows = options.service_choices()
    framework_rows = options.framework_choices()
    form.status.choices = choices("gap_status")
    form.set_choices("service", [localized_choice(c, n) for _id, c, n in service_rows])
    form.set_choices("provider", options.provider_choices())
    form.set_choices("criticality", [(c.value, c.label) for c in choices("criticality")])
    form.set_choices("framework", [localized_choice(r[1], r[2], r[3]) for r in framework_rows])
    form.set_choices("area", [localized_choice(area, area) for area in options.area_choices()])
    form.set_choices("mitigation", MITIGATION_FILTERS)
    read(form)
    as_of, horizon = form.period()
    service, framework = form.value("service"), form.value("framework")
    provider, criticality, area = (
        form.value("provider"),
        form.value("criticality"),
        form.value("area"),
    )
    filters = GapFilter(
        statuses=form.statuses(),
        service_ids=tuple(i for i, code, _n in service_rows if code == service),
        provider_ids=(int(provider),) if provider else (),
        criticalities=(criticality,) if criticality else (),
        framework_ids=tuple(r[0] for r in framework_rows if r[1] == framework),
        areas=(area,) if area else (),
    )
    rows = gaps.by_risk(gaps.analyse(as_of, horizon, filters))
    found = mitigations.open_for((row.requirement_id for row in rows), as_of)
    return form, mitigations.keep(rows, found, form.value("mitigation")), found


SORTS = ("risk", "first_short")


def sorted_by_request(rows: list, as_of: date) -> tuple[list, dict, str]:
    """The rows in the order the query string asks (`sort=risk`, the default, or
    `sort=first_short`: the day each first falls short within a year, never short last), the
    forecast per requirement id, and the sort used."""
    forecasts = forecasting.by_requirement(as_of)
    sort = request.args.get("sort", "risk")
    if sort not in SORTS:
        sort = "risk"
    if sort == "first_short":
        never = date.max

        def first_short(row):
            found = forecasts.get(row.requirement_id)
            return (found.first_short_on if found else None) or never

        rows = sorted(rows, key=lambda r: (first_short(r), -r.risk))
    return rows, forecasts, sort


@bp.route("/gaps", endpoint="gaps")
@permission_required(Permission.READ)
def gaps_list():
    form, rows, found = gap_form()
    as_of, horizon = form.period()
    rows, forecasts, sort = sorted_by_request(rows, as_of)
    page = ListPage(rows, page_number(), current_app.config.get("PAGE_SIZE", 50))
    filtered = any(
        form.value(name)
        for name in ("service", "provider", "criticality", "framework", "area", "mitigation")
    )
    return render(
        "reports/gaps.html",
        form,
        page=page,
        rows=rows,
        filtered=filtered,
        statuses=form.statuses(),
        forecasts=forecasts,
        sort=sort,
        mitigations=found,
        # With several organisations: the candidates in other organisations of each gap shown.
        regional=regional_candidates_of(page.items, as_of, horizon),
    )


def export_header(regional: bool = False) -> list[str]:
    """The gap export's columns; `regional`: with the candidates in other organisations (only
    in a registry of several organisations)."""
    return [
        _("Service code"),
        _("Service"),
        _("Provider"),
        _("Criticality"),
        _("Competence code"),
        _("Competence"),
        _("Competence framework"),
        _("Area"),
        _("Required level"),
        _("Minimum holders"),
        _("Qualified now"),
        _("Qualified at the horizon"),
        _("Candidates"),
        *([_("Regional candidates")] if regional else []),
        _("Status"),
        _("Risk"),
        _("Contract end"),
        _("Open mitigations"),
        _("Risk accepted until"),
        _("First short on"),
    ]


def describe_mitigation(m) -> str:
    """One open mitigation in words, for a spreadsheet cell (dates ISO 8601)."""
    parts = [f"{label('mitigation_kind', m.kind)} ({label('mitigation_status', m.status)})"]
    if m.owner_name:
        parts.append(f"{m.owner_name} ({m.owner_number})")
    if m.due_on:
        parts.append(_("due %(date)s", date=m.due_on.isoformat()))
    if m.overdue:
        parts.append(_("overdue"))
    if m.risk_expires_on:
        parts.append(_("risk accepted until %(date)s", date=m.risk_expires_on.isoformat()))
    return ", ".join(parts)


def export_row(
    row, found: dict | None = None, forecasts: dict | None = None, regional: dict | None = None
) -> list:
    gm = (found or {}).get(row.requirement_id)
    fc = (forecasts or {}).get(row.requirement_id)
    return [
        row.service_code,
        row.service_name,
        row.provider_name,
        label("criticality", row.criticality),
        row.competence_code,
        localize_text(row, "competence_name"),
        localize_text(row, "framework_name") or None,
        row.area,
        row.required_level,
        row.min_holders,
        row.holders_now,
        row.holders_at_horizon,
        row.candidates,
        *([regional.get(row.requirement_id, 0)] if regional is not None else []),
        label("gap_status", row.status),
        row.risk,
        row.contract_end,
        mitigations.summary(gm, describe_mitigation),
        gm.accepted_until if gm else None,
        fc.first_short_on if fc else None,
    ]


@bp.route("/gaps.<any(csv, xlsx):fmt>")
@permission_required(Permission.READ)
def gaps_export(fmt):
    """The gap list as filtered on the page (every page of it), as CSV or XLSX."""
    form, rows, found = gap_form()
    as_of, horizon = form.period()
    rows, forecasts, _sort = sorted_by_request(rows, as_of)
    name = f"gaps-{as_of.isoformat()}-{horizon}d.{fmt}"
    stamp = provenance.stamp(
        "gap report",
        as_of,
        horizon,
        made_by=current_user.email,
        details=[("status", " ".join(form.statuses()))]
        + [(n, form.value(n)) for n in ("service", "provider", "criticality", "framework", "area")],
    )
    regional = regional_candidates_of(rows, as_of, horizon)
    header = export_header(regional=regional is not None)
    body = [export_row(row, found, forecasts, regional) for row in rows]
    if fmt == "csv":
        data = provenance.dated_csv(header, body, stamp)
        mimetype = "text/csv; charset=utf-8"
    else:
        data = provenance.dated_xlsx(header, body, stamp, title=_("Gaps"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- coverage matrix -------------------------------------------------------------------------

MATRIX_SERVICES_PER_PAGE = 12


@bp.route("/matrix")
@permission_required(Permission.READ)
def matrix():
    """Competences (rows, grouped by framework and area) × services (columns, a page of them
    at a time): at region scale a page shows MATRIX_SERVICES_PER_PAGE services and only the
    competences they require, so the table grows down, never sideways into blank cells."""
    form = MatrixForm()
    framework_rows = options.framework_choices()
    service_rows = options.service_choices(analysed_only=True)
    form.set_choices("provider", options.provider_choices())
    form.set_choices("service", [localized_choice(c, n) for _id, c, n in service_rows])
    form.set_choices("criticality", [(c.value, c.label) for c in choices("criticality")])
    form.set_choices("framework", [localized_choice(r[1], r[2], r[3]) for r in framework_rows])
    form.set_choices("area", [localized_choice(area, area) for area in options.area_choices()])
    read(form)
    as_of, horizon = form.period()
    provider, criticality = form.value("provider"), form.value("criticality")
    framework, area, service = form.value("framework"), form.value("area"), form.value("service")
    rows = gaps.analyse(
        as_of,
        horizon,
        GapFilter(
            provider_ids=(int(provider),) if provider else (),
            service_ids=tuple(i for i, code, _n in service_rows if code == service),
            criticalities=(criticality,) if criticality else (),
            framework_ids=tuple(r[0] for r in framework_rows if r[1] == framework),
            areas=(area,) if area else (),
        ),
    )
    services = {}
    for row in sorted(rows, key=lambda r: r.service_code):
        services.setdefault(row.service_id, row)
    page = ListPage(list(services.values()), page_number(), MATRIX_SERVICES_PER_PAGE)
    shown = {row.service_id for row in page.items}
    cells = {(r.service_id, r.competence_id): r for r in rows if r.service_id in shown}
    competences = {}
    for row in cells.values():
        competences.setdefault(row.competence_id, row)
    groups: dict[tuple, list] = {}
    for row in sorted(
        competences.values(),
        key=lambda r: (r.framework_name or "", r.area or "", r.competence_code),
    ):
        groups.setdefault((row.framework_name, row.area), []).append(row)
    return render(
        "reports/matrix.html",
        form,
        page=page,
        cells=cells,
        groups=list(groups.items()),
        competence_count=len(competences),
        service_coverage=gaps.coverage_by_service(rows),
        coverage=gaps.coverage(rows),
        total=len(rows),
    )


# --- skills matrix ---------------------------------------------------------------------------


@bp.route("/skills")
@permission_required(Permission.READ)
def skills():
    form = SkillsForm()
    service_rows = options.service_choices()
    form.set_choices("service", [localized_choice(c, n) for _id, c, n in service_rows])
    form.set_choices("org_unit", options.org_unit_choices())
    read(form)
    as_of, _horizon = form.period()
    service_code, unit_id = form.value("service"), form.value("org_unit")
    subject, matrix_ = None, None
    if service_code:
        service_id, _code, name = next(r for r in service_rows if r[1] == service_code)
        subject = ("service", service_code, name)
        matrix_ = options.skills_for_service(service_id, as_of)
    elif unit_id:
        unit = db.session.get(OrgUnit, int(unit_id))
        subject = ("org_unit", unit.id, unit.path)
        matrix_ = options.skills_for_org_unit(unit, as_of)
    return render("reports/skills.html", form, subject=subject, matrix=matrix_)


# --- what-if ---------------------------------------------------------------------------------

# How many people the what-if form suggests as you type (a region has tens of thousands).
WHATIF_SUGGESTIONS = 500


@bp.route("/what-if")
@permission_required(Permission.READ)
def whatif():
    form = WhatIfForm()
    # D is needed for the choices, before the form is validated: read it leniently.
    as_of = _date_arg("as_of") or peildatum.current()[0] or date.today()
    suggestions = options.assigned_people(as_of, limit=WHATIF_SUGGESTIONS)
    services = options.service_choices(analysed_only=True)
    form.set_choices([localized_choice(code, name) for _id, code, name in services])
    read(form)
    as_of, horizon = form.period()
    service_ids = {code: sid for sid, code, _name in services}
    departures: dict[int, date] = {}
    assignment_ends: dict[tuple[int, int], date] = {}
    chosen = []
    for change in form.changes():
        person = change.person.person if not change.person.errors else None
        if person is None:
            continue
        day = (change.leave_on.data if not change.leave_on.errors else None) or as_of
        code = change.service.data if not change.service.errors else None
        if code and code in service_ids:
            assignment_ends[(person.id, service_ids[code])] = day
        else:
            departures[person.id] = day
            code = None
        chosen.append((person.employee_number, person.name, day, code))
    result = gaps.what_if(departures, assignment_ends, as_of, horizon) if chosen else None
    worsened = (
        sorted(
            result.worsened,
            key=lambda pair: (-pair[1].risk, pair[1].service_code, pair[1].competence_code),
        )
        if result
        else []
    )
    service_names = {code: name for _id, code, name in services}
    return render(
        "reports/whatif.html",
        form,
        result=result,
        worsened=worsened,
        chosen=chosen,
        service_names=service_names,
        suggestions=suggestions,
    )


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
