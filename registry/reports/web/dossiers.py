"""Dossiers: everything about one service, one competence or one person on a single page,
with the gap figures as of D and at the horizon (query parameters `as_of` and `horizon`)."""

from datetime import timedelta

from flask import Blueprint, abort, current_app

from registry.core import periods
from registry.core.decorators import permission_required
from registry.core.permissions import Permission
from registry.core.report_pages import ReportForm, page_number, read, render
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules
from registry.gaps.services import GapFilter
from registry.gaps.services import forecast as forecasting
from registry.mitigations import services as mitigations
from registry.reports.services import dossiers, lists
from registry.reports.web import trend
from registry.reports.web.forecast_chart import step_chart

bp = Blueprint("dossiers", __name__)

SUGGESTIONS_SHOWN = 5
HOLDERS_SHOWN = 12  # names per requirement; a busy service has hundreds of qualified people


def _dossier_of(find, key):
    """The period form of a dossier (as-of date and horizon) and its record, 404 if there is
    none: (form, as_of, horizon, record)."""
    form = read(ReportForm())
    as_of, horizon = form.period()
    record = find(key)
    if record is None:
        abort(404)
    return form, as_of, horizon, record


@bp.route("/services/<code>")
@permission_required(Permission.READ)
def service(code):
    form, as_of, horizon, record = _dossier_of(dossiers.find_service, code)
    end = periods.horizon_end(as_of, horizon)
    rows = {
        row.requirement_id: row
        for row in gaps.analyse(as_of, horizon, GapFilter(service_ids=(record.id,)))
    }
    ids = list(rows)
    gap_ids = [rid for rid, row in rows.items() if row.status != rules.COVERED]
    # The worst first, so the first screen shows what is at risk; not analysed ones last.
    requirements = sorted(
        dossiers.service_requirements(record.id),
        key=lambda r: (-rows[r.id].severity if r.id in rows else 1, r.competence.code),
    )
    return render(
        "dossiers/service.html",
        form,
        service=record,
        requirements=requirements,
        rows=rows,
        holders_now=gaps.qualified_holders(ids, as_of, limit=HOLDERS_SHOWN),
        holders_later=gaps.qualified_holders(ids, end, limit=HOLDERS_SHOWN),
        suggestions=gaps.suggestions_for(gap_ids, as_of, horizon),
        suggestions_shown=SUGGESTIONS_SHOWN,
        assignments=dossiers.service_assignments_page(
            record.id, page_number(), current_app.config.get("PAGE_SIZE", 50)
        ),
        counts=gaps.status_counts(rows.values()),
        coverage=gaps.coverage(list(rows.values())),
        contract_ending=rules.contract_ends_within(record.contract_end, as_of, end),
        **_forecast(record.id, as_of),
        mitigations=mitigations.open_for(ids, as_of),
        service_trend=trend.service_trend(record.id),
    )


def _forecast(service_id: int, as_of) -> dict:
    """The forecast section of a service dossier: rows in competence order and their charts."""
    days = forecasting.resolve_days(None)
    found = forecasting.forecast(as_of, days, GapFilter(service_ids=(service_id,)))
    found = sorted(found, key=lambda r: r.competence_code)
    return {
        "forecast_rows": found,
        "forecast_charts": {r.requirement_id: step_chart(r, as_of, days) for r in found},
        "forecast_end": as_of + timedelta(days=days),
    }


@bp.route("/competences/<code>")
@permission_required(Permission.READ)
def competence(code):
    form, as_of, horizon, record = _dossier_of(dossiers.find_competence, code)
    rows = gaps.analyse(as_of, horizon, GapFilter(competence_ids=(record.id,)))
    holders = dossiers.competence_holdings_page(
        record.id, page_number(), current_app.config.get("PAGE_SIZE", 50)
    )
    return render(
        "dossiers/competence.html",
        form,
        competence=record,
        rows=sorted(rows, key=lambda r: (-r.severity, r.service_code)),
        mitigations=mitigations.open_for((r.requirement_id for r in rows), as_of),
        holders=holders,
        needed=dossiers.assignments_where_needed(
            record.id, as_of, (h.person_id for h in holders.items)
        ),
        stale_before=as_of - timedelta(days=lists.STALE_DAYS),
    )


@bp.route("/people/<employee_number>")
@permission_required(Permission.READ)
def person(employee_number):
    form, as_of, horizon, record = _dossier_of(dossiers.find_person, employee_number)
    employed = rules.employed(rules.Person(record.id, record.start_date, record.leave_date), as_of)
    impact = gaps.what_if({record.id: as_of}, None, as_of, horizon) if employed else None
    return render(
        "dossiers/person.html",
        form,
        person=record,
        employed=employed,
        impact=impact,
        holdings=dossiers.person_holdings(record.id),
        assignments=dossiers.person_assignments(record.id),
        qualifications=dossiers.person_qualifications(record.id, as_of),
        stale_before=as_of - timedelta(days=lists.STALE_DAYS),
    )
