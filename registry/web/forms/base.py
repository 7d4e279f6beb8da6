"""What every area's forms share: the version of edit forms (optimistic locking) and what the
user typed, the confirmation form, select helpers (org units, levels) and the person field.

Areas import from here, never from each other's form modules.
"""

import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DateRange, Length, StopValidation, ValidationError

from registry.domain import limits, periods
from registry.models import Framework
from registry.services import people as people_service
from registry.web.templating import LABELS

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Every long text (description, rationale, note, evidence): the import's limit.
LONG_TEXT = Length(
    max=limits.MAX_TEXT_LENGTH,
    message=_l("At most %(max)s characters.", max=limits.MAX_TEXT_LENGTH),
)
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


class ConfirmForm(EditForm):
    """A confirmation button (retire, delete, withdraw): CSRF and the version the user saw."""


def org_unit_choices(empty_label, exclude=None) -> list[SelectChoice]:
    """Every org unit by its full path, after an empty choice; `exclude` leaves out a unit and
    its sub-units (a unit cannot move under itself)."""
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(unit_id), path)
        for unit_id, path in people_service.org_unit_paths(exclude=exclude)
    ]


def level_choices(framework: Framework | None, empty_label=None) -> list[SelectChoice]:
    """Levels 1–5 by their generic name and, where the framework has one, its own name
    ("3 competent — Zelfstandig"); after an empty choice when `empty_label` is given."""
    rows = [SelectChoice("", empty_label)] if empty_label else []
    for level, generic in LABELS["level"].items():
        own = framework.level_label(level) if framework is not None else None
        rows.append(SelectChoice(str(level), f"{generic} — {own}" if own else str(generic)))
    return rows


class PersonField(StringField):
    """A person, chosen by typing a name, part of a name or an employee number.

    `data` is the person's id (forms and services work with ids). The server resolves what was
    typed (`services.people.find_people`, an indexed prefix search): one match is accepted;
    several re-show the form with a choice of them next to the field (`matches`, submitted as
    `<name>-choice`); none is an error. The field shows "Name (number)", and a <datalist> of
    suggestions helps browsers that offer it; no JavaScript is needed.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"list": "people-suggestions", "autocomplete": "off"})
        kwargs.setdefault("description", _l("Type a name, part of a name or an employee number."))
        super().__init__(label, validators, **kwargs)
        self.text = ""
        self.matches: list = []
        self.person = None

    def _set(self, person) -> None:
        self.person = person
        self.data = person.id if person is not None else None
        self.text = people_service.person_label(person) if person is not None else ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.choice = formdata.get(self.name + "-choice", "") if formdata else ""
        super().process(formdata, data=data, extra_filters=extra_filters)

    def process_data(self, value):
        """From the record (an id) or a view (an id or a Person)."""
        if value is None or value == "":
            self._set(None)
        elif hasattr(value, "employee_number"):
            self._set(value)
        else:
            self._set(people_service.person_by_id(int(value)))

    def process_formdata(self, valuelist):
        """From the form: what was typed, and the choice among several matches if made."""
        if not valuelist:
            return
        self.text = (valuelist[0] or "").strip()[: people_service.SEARCH_MAX_LENGTH]
        self._set_typed(None)
        if not self.text:
            return
        chosen = optional_int(self.choice) if str(self.choice).isdigit() else None
        result = people_service.resolve_person(self.text, chosen)
        if result.person is not None:
            self._set_typed(result.person)
            return
        self.matches = result.matches
        if result.matches:
            raise ValueError(
                _l(
                    "Several people match “%(text)s”: choose one below, or type more of the "
                    "name or the employee number.",
                    text=self.text,
                )
            )
        raise ValueError(
            _l(
                "No one matches “%(text)s”. Type part of a name or an employee number.",
                text=self.text,
            )
        )

    def _set_typed(self, person) -> None:
        self.person = person
        self.data = person.id if person is not None else None
        if person is not None:
            self.text = people_service.person_label(person)

    def pre_validate(self, form):
        """A text that found nobody (or several) already has its message: stop there."""
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        return self.text

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data)


class InPeriod(DateRange):
    """The dates every input accepts (registry.domain.periods); a date that could not be read
    at all keeps only its "not a valid date" message."""

    def __init__(self):
        super().__init__(
            min=periods.MIN_DATE, max=periods.MAX_DATE, message=_l(periods.DATE_MESSAGE)
        )

    def __call__(self, form, field):
        if field.data is not None:
            super().__call__(form, field)
