"""Filter forms of the report pages. They are read from the query string (GET, no CSRF: they
change nothing), so every view can be bookmarked and shared. A bad value gets a message next to
its field and the page falls back to the default instead of failing."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from registry.core.forms import InPeriod
from registry.core.report_pages import ReportForm
from registry.gaps.rules import gaps as rules
from registry.people.fields import PersonField


def _all(label=None) -> SelectChoice:
    return SelectChoice("", label or _l("All"))


class _Choices:
    """Select fields whose options come from the database; invalid choices are ignored."""

    def set_choices(self, name: str, options) -> None:
        """`options` are (value, text) pairs or ready options (`i18n.localized_choice`, for
        the organisation's texts: names in the user's language, marked with `lang`)."""
        getattr(self, name).choices = [
            _all(),
            *(
                o if isinstance(o, SelectChoice) else SelectChoice(str(o[0]), str(o[1]))
                for o in options
            ),
        ]

    def value(self, name: str) -> str | None:
        field = getattr(self, name)
        if field.errors:
            return None
        return field.data or None


class GapFilterForm(_Choices, ReportForm):
    status = SelectMultipleField(
        _l("Status"),
        validators=[Optional()],
        description=_l("None ticked: every requirement that is not covered."),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    service = SelectField(_l("Service"), validators=[Optional()])
    provider = SelectField(_l("Provider"), validators=[Optional()])
    criticality = SelectField(_l("Criticality"), validators=[Optional()])
    framework = SelectField(_l("Competence framework"), validators=[Optional()])
    area = SelectField(_l("Area"), validators=[Optional()])
    mitigation = SelectField(_l("Mitigation"), validators=[Optional()])

    def statuses(self) -> tuple[str, ...]:
        chosen = tuple(s for s in (self.status.data or ()) if s in rules.STATUSES)
        if self.status.errors or not chosen:
            return (rules.UNASSIGNED, rules.LEAVING, rules.UNDERCOVERED)
        return chosen


class MatrixForm(_Choices, ReportForm):
    provider = SelectField(_l("Provider"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    criticality = SelectField(_l("Criticality"), validators=[Optional()])
    framework = SelectField(_l("Competence framework"), validators=[Optional()])
    area = SelectField(_l("Area"), validators=[Optional()])


class SkillsForm(_Choices, ReportForm):
    service = SelectField(
        _l("Service"),
        validators=[Optional()],
        description=_l("The people assigned to it and the competences it requires."),
    )
    org_unit = SelectField(
        _l("Org unit"),
        validators=[Optional()],
        description=_l("Its staff, sub-units included, and what they hold."),
    )


class DepartureForm(Form):
    """One hypothetical change: a person leaves, or only their assignment to a service ends."""

    # A person field (name, part of a name or number), not a select: a region has tens of
    # thousands of people, and a select of all of them would make the page megabytes long.
    person = PersonField(
        _l("Person"),
        validators=[Optional()],
        render_kw={"list": "whatif-people", "autocomplete": "off"},
    )
    leave_on = DateField(
        _l("Leaves on"),
        validators=[Optional(), InPeriod()],
        description=_l("Empty: on the as-of date."),
    )
    service = SelectField(
        _l("Only their assignment to"),
        validators=[Optional()],
        description=_l("Empty: they leave the organisation."),
    )


class WhatIfForm(ReportForm):
    ROWS = 3

    change_1 = FormField(DepartureForm, label=_l("Change 1"))
    change_2 = FormField(DepartureForm, label=_l("Change 2"))
    change_3 = FormField(DepartureForm, label=_l("Change 3"))

    def changes(self):
        return [self.change_1, self.change_2, self.change_3]

    def set_choices(self, services) -> None:
        for change in self.changes():
            change.service.choices = [
                _all(_l("(leaves the organisation)")),
                *(s if isinstance(s, SelectChoice) else SelectChoice(*s) for s in services),
            ]
