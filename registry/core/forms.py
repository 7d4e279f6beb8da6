"""What every feature's forms share: the version of edit forms (optimistic locking) and what
the user typed, the edit form that maps onto a service's arguments (`RecordForm`), the
confirmation form, the level choices, dates and text limits.

Features import from here (and the person field and org-unit choices from
`registry.people.fields`), never from each other's form modules.
"""

from typing import Protocol

import wtforms
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DateRange, Length, StopValidation, ValidationError

from registry.core import limits, periods
from registry.core.templating import LABELS

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Every long text (description, rationale, note, evidence): the import's limit.
LONG_TEXT = Length(
    max=limits.MAX_TEXT_LENGTH,
    message=_l("At most %(max)s characters.", max=limits.MAX_TEXT_LENGTH),
)
_NOT_VALUES = ("csrf_token", "version")  # a RecordForm's fields that are no service argument
_HIDDEN = ("CSRFTokenField", "HiddenField", "PasswordField")


def optional_int(value):
    """Coerce a select's value: the empty option means none."""
    if value in (None, "", "None"):
        return None
    return int(value)


class DateField(wtforms.DateField):
    """A date (`<input type="date">`). Years before 1000 are refused: the form could store
    them but never show them again as YYYY-MM-DD (the import refuses them too)."""

    def pre_validate(self, form):
        if self.data is not None and self.data.year < limits.MIN_YEAR:
            raise StopValidation(_("Enter a date from the year 1000 on."))


def employee_number_check(form, field) -> None:
    """The import's rule for employee numbers: a pattern, and no reserved words."""
    problem = limits.employee_number_problem(field.data or "")
    if problem == "pattern":
        raise ValidationError(
            _l("Use letters, digits, dots, hyphens and underscores, without spaces.")
        )
    if problem == "reserved":
        raise ValidationError(_l("This is a reserved word; choose another employee number."))


class VersionedForm(FlaskForm):
    """An edit form; `version` is the record's version when the form was opened."""

    version = HiddenField()


class EditForm(VersionedForm):
    """An edit form that can show what the user typed when the save was refused."""

    def typed(self) -> list[tuple[str, str]]:
        """What the user submitted, as (label, shown value), for the page that answers a
        conflict: the form shows the stored values again, and this keeps the user's input
        visible. Empty fields, hidden fields and passwords are left out; a select shows the
        chosen option's text, a checkbox yes or no."""
        shown = []
        for f in self:
            if f.type in _HIDDEN:
                continue
            raw = f.raw_data[0] if f.raw_data else ""
            if f.type == "SelectField":
                raw = next((str(c.label) for c in f.iter_choices() if str(c.value) == raw), raw)
            elif f.type == "BooleanField":
                raw = _("yes") if f.data else _("no")
            if raw:
                shown.append((str(f.label.text), raw))
        return shown


class RecordForm(EditForm):
    """An edit form whose fields map one to one onto a service call's keyword arguments (the
    catalogue's and the mitigations' forms)."""

    @classmethod
    def for_page(cls, record=None):
        """The form of a new or edit page: on GET the record's stored values (or the defaults
        for a new one), on POST what was submitted; choices filled in for `record`."""
        form = cls(obj=record) if request.method == "GET" else cls()
        form.set_choices(record)
        return form

    @classmethod
    def stored(cls, record):
        """The form with `record`'s stored values and version, whatever was submitted."""
        form = cls(formdata=None, obj=record)
        form.set_choices(record)
        return form

    def set_choices(self, record=None) -> None:
        """Fill in the choices of select fields; `record` is the one being edited, if any."""

    def values(self) -> dict:
        """The submitted values, keyed by field name, for the service's keyword arguments."""
        return {name: f.data for name, f in self._fields.items() if name not in _NOT_VALUES}


class ConfirmForm(EditForm):
    """A confirmation button (retire, delete, withdraw): CSRF and the version the user saw."""


class Framework(Protocol):
    """What the level choices read of a framework: its own name for a level, if any."""

    def level_label(self, level: int) -> str | None: ...


def level_choices(framework: Framework | None, empty_label=None) -> list[SelectChoice]:
    """Levels 1–5 by their generic name and, where the framework has one, its own name
    ("3 competent — Zelfstandig"); after an empty choice when `empty_label` is given."""
    rows = [SelectChoice("", empty_label)] if empty_label else []
    for level, generic in LABELS["level"].items():
        own = framework.level_label(level) if framework is not None else None
        rows.append(SelectChoice(str(level), f"{generic} — {own}" if own else str(generic)))
    return rows


class InPeriod(DateRange):
    """The dates every input accepts (registry.core.periods); a date that could not be read
    at all keeps only its "not a valid date" message."""

    def __init__(self):
        super().__init__(
            min=periods.MIN_DATE, max=periods.MAX_DATE, message=_l(periods.DATE_MESSAGE)
        )

    def __call__(self, form, field):
        if field.data is not None:
            super().__call__(form, field)
