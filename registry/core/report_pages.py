"""What every report page shares (the reports, the dossiers, the suppliers' coverage, the
attestations): the as-of date and horizon form, reading it, rendering a page with the period
and its link parameters, percentages in the user's locale, and paging an in-memory list."""

import math
from datetime import date

from flask import render_template, request
from flask_babel import format_date, format_percent
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from registry.core import peildatum, periods
from registry.core.config import default_horizon
from registry.core.forms import InPeriod
from registry.core.i18n import per_page


class ReportForm(FlaskForm):
    """As-of date D and horizon H, shared by every report page and dossier."""

    class Meta:
        csrf = False

    as_of = DateField(
        _l("As of"),
        validators=[Optional(), InPeriod()],
        description=_l("The day to look at. Empty: today."),
    )
    horizon = IntegerField(
        _l("Horizon in days"),
        validators=[
            Optional(),
            NumberRange(
                min=periods.MIN_HORIZON,
                max=periods.MAX_HORIZON,
                message=_l(periods.HORIZON_MESSAGE),
            ),
        ],
        description=_l("How far ahead to look for departures. Empty: 90 days."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formdata", peildatum.formdata(request.args))  # the stored one
        super().__init__(*args, **kwargs)

    def period(self) -> tuple[date, int]:
        """(D, H) from valid input, else the defaults (today, the configured horizon)."""
        as_of = self.as_of.data if not self.as_of.errors else None
        horizon = self.horizon.data if not self.horizon.errors else None
        return as_of or date.today(), default_horizon() if horizon is None else horizon

    def period_args(self) -> dict[str, str]:
        """The query parameters that carry D and H to other report pages (only when set)."""
        args = {}
        if self.as_of.data and not self.as_of.errors:
            args["as_of"] = self.as_of.data.isoformat()
        if self.horizon.data is not None and not self.horizon.errors:
            args["horizon"] = str(self.horizon.data)
        return args


def percentage(value: float | None) -> str:
    """A coverage percentage in the user's locale; a dash when there is nothing to cover."""
    if value is None:
        return "—"
    return format_percent(value / 100, format="#,##0%")


def render(template: str, form: ReportForm, **context):
    """Render a report page with D, H, D + H and the parameters that carry them in links."""
    as_of, horizon = form.period()
    return render_template(
        template,
        form=form,
        as_of=as_of,
        horizon=horizon,
        horizon_end=periods.horizon_end(as_of, horizon),
        period=form.period_args(),
        format_date=per_page(format_date),
        percentage=per_page(percentage),
        **context,
    )


def read(form: ReportForm) -> ReportForm:
    """Validate a filter form; errors are shown next to the fields, defaults apply."""
    form.validate()
    return form


class ListPage:
    """One page of an in-memory list, with the interface of flask_sqlalchemy's Pagination
    (so the shared `pager` macro can render it)."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start : start + per_page]
        self.first = start + 1 if self.items else 0
        self.last = start + len(self.items)
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num = self.page - 1 if self.has_prev else None
        self.next_num = self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for n in range(1, self.pages + 1):
            if (
                n <= left_edge
                or self.page - left_current <= n <= self.page + right_current
                or n > self.pages - right_edge
            ):
                if last + 1 != n:
                    yield None
                yield n
                last = n


def page_number() -> int:
    return request.args.get("page", 1, type=int) or 1
