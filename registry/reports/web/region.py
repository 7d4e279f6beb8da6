"""The region view (/region/): for the members of the region, in a registry of several
organisations, the figures of every organisation side by side, and the same figures as CSV
and XLSX downloads (dated like every export). Anyone else gets 404: for them the region view
does not exist (`core.decorators.region_required`). Reads only; writes nothing."""

from dataclasses import dataclass

from flask import Blueprint, Response, abort
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.services import provenance
from registry.core.decorators import region_required
from registry.core.i18n import localize_text
from registry.core.permissions import Permission
from registry.core.report_pages import ReportForm, read, render
from registry.core.templating import label
from registry.reports.services.region import OrganisationCoverage, Region

bp = Blueprint("region", __name__, url_prefix="/region")

# The page shows the first rows of each list; the downloads hold them all.
PROVIDERS_SHOWN = 50
SHORTAGES_SHOWN = 50
CANDIDATE_GAPS_SHOWN = 25


# --- the chart of coverage per organisation (a server-rendered SVG) --------------------------

BAR_LEFT, BAR_WIDTH, BAR_HEIGHT, BAR_GAP, CHART_WIDTH = 8, 400, 18, 10, 560


@dataclass(frozen=True)
class Bar:
    y: int
    width: float  # of the covered share, out of BAR_WIDTH
    label_y: int
    item: OrganisationCoverage


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    track: int  # the width of 100 %
    bar_height: int
    bars: list[Bar]


def coverage_chart(rows: list[OrganisationCoverage]) -> BarChart:
    """One horizontal bar per organisation, as long as its coverage (the table beside it has
    the same figures)."""
    bars, step = [], BAR_HEIGHT + BAR_GAP + 14
    for n, item in enumerate(rows):
        y = 18 + n * step
        share = item.summary.coverage or 0.0
        bars.append(Bar(y, round(BAR_WIDTH * share / 100, 1), y - 4, item))
    return BarChart(CHART_WIDTH, 18 + len(rows) * step, BAR_LEFT, BAR_WIDTH, BAR_HEIGHT, bars)


# --- the page --------------------------------------------------------------------------------


@bp.route("/")
@region_required(Permission.READ)
def index():
    form = read(ReportForm())
    figures = Region(*form.period())
    return render(
        "region/index.html",
        form,
        coverage=figures.coverage,
        total=figures.total,
        chart=coverage_chart(figures.coverage),
        providers=figures.provider_gaps[:PROVIDERS_SHOWN],
        providers_total=len(figures.provider_gaps),
        shortages=figures.shortages[:SHORTAGES_SHOWN],
        shortages_total=len(figures.shortages),
        candidates=figures.candidate_gaps(limit=CANDIDATE_GAPS_SHOWN),
        candidates_total=figures.candidate_gaps_total,
        window_end=figures.window_end,
    )


# --- the downloads ---------------------------------------------------------------------------


def _organisation(o) -> list:
    return [o.code, o.name]


def _percentage(value: float | None):
    return None if value is None else round(value, 1)


def _coverage_file(figures: Region):
    header = [
        _("Organisation code"),
        _("Organisation"),
        _("Requirements"),
        _("Covered"),
        _("Undercovered"),
        _("Leaving"),
        _("Unassigned"),
        _("Coverage (%)"),
    ]

    def counted(summary):
        return [
            summary.requirements,
            *(summary.counts[s] for s in ("covered", "undercovered", "leaving", "unassigned")),
            _percentage(summary.coverage),
        ]

    body = [_organisation(r.organisation) + counted(r.summary) for r in figures.coverage]
    body.append([None, _("The whole region"), *counted(figures.total)])
    return _("Coverage per organisation"), header, body


def _providers_file(figures: Region):
    header = [
        _("Provider"),
        _("Competence code"),
        _("Competence"),
        _("Organisations that require it"),
        _("Organisations that lack it"),
        _("Organisation code"),
        _("Organisation"),
        _("Short from"),
    ]
    body = [
        [
            g.provider_name,
            g.competence_code,
            localize_text(g, "competence_name"),
            g.organisations,
            len(g.lacking),
            *_organisation(lack.organisation),
            lack.first_short_on,
        ]
        for g in figures.provider_gaps
        for lack in g.lacking
    ]
    return _("Lacking per provider"), header, body


def cause_text(row) -> str:
    """Why a requirement first falls short, in words (as the page's cause_text macro)."""
    if not row.causes:
        return _("already short on the as-of date")
    texts = {
        "leaves": lambda who: _("%(who)s leaves", who=who),
        "assignment_ends": lambda who: _("the assignment of %(who)s ends", who=who),
        "assessment_expires": lambda who: _("the assessment of %(who)s expires", who=who),
    }
    return "; ".join(texts[c.kind](c.name) for c in row.causes)


def _shortages_file(figures: Region):
    header = [
        _("Organisation code"),
        _("Organisation"),
        _("Short from"),
        _("Service code"),
        _("Service"),
        _("Competence code"),
        _("Competence"),
        _("Required level"),
        _("Minimum holders"),
        _("Qualified now"),
        _("Nobody from"),
        _("Why"),
    ]
    body = [
        [
            *_organisation(s.organisation),
            s.row.first_short_on,
            s.row.service_code,
            s.row.service_name,
            s.row.competence_code,
            localize_text(s.row, "competence_name"),
            s.row.required_level,
            s.row.min_holders,
            s.row.holders_now,
            s.row.first_empty_on,
            cause_text(s.row),
        ]
        for s in figures.shortages
    ]
    return _("Upcoming shortfalls"), header, body


def _candidates_file(figures: Region):
    header = [
        _("Organisation code"),
        _("Organisation"),
        _("Service code"),
        _("Service"),
        _("Competence code"),
        _("Competence"),
        _("Required level"),
        _("Status"),
        _("Risk"),
        _("Candidates"),
        _("Regional candidates"),
    ]
    # Every gap, with the numbers only: the names are on the page (its first gaps), for a
    # statement that names everyone in the region would be dear at region scale.
    gaps = figures.candidate_gaps(names=0)
    body = [
        [
            *_organisation(g.organisation),
            g.row.service_code,
            g.row.service_name,
            g.row.competence_code,
            localize_text(g.row, "competence_name"),
            g.row.required_level,
            label("gap_status", g.row.status),
            g.row.risk,
            g.row.candidates,
            g.regional,
        ]
        for g in gaps
    ]
    return _("Regional candidates"), header, body


FILES = {
    "coverage": ("region coverage", _coverage_file),
    "providers": ("region providers", _providers_file),
    "shortages": ("region shortfalls", _shortages_file),
    "candidates": ("regional candidates", _candidates_file),
}


@bp.route("/<any(coverage, providers, shortages, candidates):part>.<any(csv, xlsx):fmt>")
@region_required(Permission.READ)
def export(part, fmt):
    """One part of the region view, as CSV or XLSX, with every row."""
    if part not in FILES:
        abort(404)
    form = read(ReportForm())
    as_of, horizon = form.period()
    figures = Region(as_of, horizon)
    kind, make = FILES[part]
    title, header, body = make(figures)
    stamp = provenance.stamp(
        kind,
        as_of,
        horizon,
        made_by=current_user.email,
        details=[("forecast_days", figures.days)],
    )
    name = f"region-{part}-{as_of.isoformat()}-{horizon}d.{fmt}"
    if fmt == "csv":
        data = provenance.dated_csv(header, body, stamp)
        mimetype = "text/csv; charset=utf-8"
    else:
        data = provenance.dated_xlsx(header, body, stamp, title=title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
