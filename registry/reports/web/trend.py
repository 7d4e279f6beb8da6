"""Trend: coverage over time from the daily snapshots (`registry snapshot`), overall, per
provider and per service, as server-rendered SVG step charts with the same figures in tables."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from flask import Blueprint, current_app, render_template, request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from registry.core.decorators import permission_required
from registry.core.i18n import per_page
from registry.core.permissions import Permission
from registry.core.report_pages import ListPage, page_number, percentage
from registry.reports import rules as domain
from registry.reports.services import trend
from registry.reports.web.trend_forms import TrendForm

bp = Blueprint("trend", __name__, url_prefix="/reports/trend")

STEP_TEXT = {
    domain.DAY: _l("one point per snapshot day"),
    domain.WEEK: _l("one point per week (its last snapshot)"),
    domain.MONTH: _l("one point per month (its last snapshot)"),
}


@dataclass
class Trend:
    """The points of one group and (computed when a page draws it) their chart."""

    points: list

    @cached_property
    def chart(self) -> domain.Chart:
        return domain.chart(self.points, label_day=_short)

    @property
    def first(self):
        known = [p for p in self.points if p.coverage is not None]
        return known[0] if known else None

    @property
    def last(self):
        known = [p for p in self.points if p.coverage is not None]
        return known[-1] if known else None


def _short(d: date) -> str:
    return format_date(d, "d MMM yy")


def make(points) -> Trend:
    return Trend(points)


def period(start: date | None, end: date | None) -> tuple[list[date], str]:
    """The snapshot days to show between start and end (default: the year up to the latest
    snapshot), thinned to at most domain.MAX_POINTS, and the step used."""
    end = end or trend.latest_day()
    if end is None:
        return [], domain.DAY
    start = start or end - timedelta(days=365)
    days = trend.snapshot_days(start, end)
    step = domain.step_of(days)
    return domain.thin(days, step), step


def service_trend(service_id: int) -> tuple[Trend | None, list[date], str]:
    """The service dossier's trend: its coverage over the last year of snapshots."""
    days, step = period(None, None)
    if not days:
        return None, [], step
    points = trend.series(days, service_id=service_id)
    if not any(p.requirements for p in points):
        return None, [], step
    return make(points), trend.computed_days(days), step


@bp.route("/")
@permission_required(Permission.READ)
def index():
    form = TrendForm(request.args)
    form.validate()
    days, step = period(form.value("start"), form.value("end"))
    points, by_provider, by_service = trend.figures(days)
    overall = make(points) if days else None
    providers = [(pid, name, make(points)) for pid, name, points in by_provider]
    services = ListPage(
        [(sid, code, name, make(points)) for sid, code, name, points in by_service],
        page_number(),
        current_app.config.get("PAGE_SIZE", 50),
    )
    return render_template(
        "reports/trend.html",
        form=form,
        days=days,
        step_text=STEP_TEXT[step],
        overall=overall,
        providers=providers,
        services=services,
        computed=trend.computed_days(days),
        format_date=per_page(format_date),
        percentage=per_page(percentage),
        period={},
    )
