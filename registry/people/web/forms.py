"""Forms for people, departures, org units, assignments and holdings.

Select choices that come from the database are filled in by the view (`org_unit_choices`…);
checks that need the database (uniqueness, references) are made by the services and come
back as field errors.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from registry.core import limits
from registry.core.forms import (
    EMAIL_PATTERN,
    LONG_TEXT,
    DateField,
    EditForm,
    employee_number_check,
    optional_int,
)
from registry.people import rules as people_rules
from registry.people.fields import PersonField

# Suggestions for the free-text role of an assignment (a <datalist>, not a fixed list).
ROLE_SUGGESTIONS = (
    "contractmanager",
    "functioneel beheerder",
    "informatiemanager",
    "leveranciersmanager",
    "servicemanager",
    "CISO",
    "privacy officer",
    "architect",
    "back-up",
)


def _not_before(other_name: str, message):
    def check(form, field):
        other = form[other_name].data
        if field.data and other and field.data < other:
            raise ValidationError(message)

    return check


class PersonForm(EditForm):
    """A new hire, or a change to someone's details. The leave date is set through the
    departure form, which shows its impact first."""

    employee_number = StringField(
        _l("Employee number"),
        validators=[
            DataRequired(),
            Length(max=limits.EMPLOYEE_NUMBER_MAX_LENGTH),
            employee_number_check,
        ],
        description=_l("The number from the HR system; unique."),
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=people_rules.PERSON_NAME_MAX)]
    )
    email = StringField(
        _l("E-mail address"),
        validators=[
            Optional(),
            Length(max=people_rules.EMAIL_MAX),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address like name@example.nl.")),
        ],
    )
    org_unit_id = SelectField(_l("Org unit"), coerce=optional_int, choices=[])
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=people_rules.JOB_TITLE_MAX)]
    )
    start_date = DateField(
        _l("Start date"), validators=[Optional()], description=_l("First day of employment.")
    )


class DepartureForm(EditForm):
    """Register (or change) the first day a person is no longer employed."""

    leave_date = DateField(
        _l("Leave date"),
        validators=[
            DataRequired(message=_l("Enter the first day the person is no longer employed."))
        ],
        description=_l("The first day the person is no longer employed."),
    )
    confirm = HiddenField()


class OrgUnitForm(EditForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=people_rules.ORG_UNIT_NAME_MAX)],
        description=_l("For example: Afdeling Informatievoorziening."),
    )
    parent_id = SelectField(
        _l("Part of"),
        coerce=optional_int,
        choices=[],
        description=_l("Leave empty for a directorate at the top."),
    )


class AssignmentForm(EditForm):
    """Assign a person to a service; person and service are fixed once the assignment
    exists (a different person or service is a different assignment)."""

    person = PersonField(_l("Person"), validators=[DataRequired(message=_l("Choose a person."))])
    service = SelectField(
        _l("Service"),
        coerce=optional_int,
        choices=[],
        validators=[DataRequired(message=_l("Choose a service."))],
        description=_l("Planned and active services."),
    )
    role = StringField(
        _l("Role"),
        validators=[Optional(), Length(max=people_rules.ROLE_MAX)],
        description=_l("For example contractmanager, functioneel beheerder or back-up."),
        render_kw={"list": "role-suggestions"},
    )
    start_on = DateField(_l("Start date"), validators=[Optional()])
    end_on = DateField(
        _l("End date"),
        validators=[
            Optional(),
            _not_before("start_on", _l("The end date must be on or after the start date.")),
        ],
        description=_l(
            "The first day the person is no longer assigned. Leave empty while "
            "the assignment lasts."
        ),
    )


class EndAssignmentForm(EditForm):
    end_on = DateField(
        _l("End date"),
        validators=[
            DataRequired(message=_l("Enter the first day the person is no longer assigned."))
        ],
        description=_l("The first day the person is no longer assigned."),
        default=date.today,
    )


class HoldingForm(EditForm):
    """Record or change an assessment: a person holds a competence at a level."""

    person = PersonField(_l("Person"), validators=[DataRequired(message=_l("Choose a person."))])
    competence = SelectField(
        _l("Competence"),
        coerce=optional_int,
        choices=[],
        validators=[DataRequired(message=_l("Choose a competence."))],
    )
    level = SelectField(
        _l("Level"),
        coerce=optional_int,
        choices=[],
        validators=[DataRequired(message=_l("Choose a level from 1 to 5."))],
    )
    assessed_on = DateField(_l("Assessed on"), validators=[Optional()], default=date.today)
    assessed_by = StringField(
        _l("Assessed by"), validators=[Optional(), Length(max=people_rules.ASSESSED_BY_MAX)]
    )
    expires_on = DateField(
        _l("Valid until"),
        validators=[
            Optional(),
            _not_before(
                "assessed_on", _l("The expiry date must be on or after the assessment date.")
            ),
        ],
        description=_l("Optional: the first day the assessment no longer counts."),
    )
    evidence = TextAreaField(
        _l("Evidence"),
        validators=[Optional(), LONG_TEXT],
        description=_l("For example a certificate, a course or the work it is based on."),
    )


class PeopleFilterForm(FlaskForm):
    """The search and filters of the people list (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional()],
        description=_l("Part of a name, employee number or e-mail address."),
    )
    org_unit = SelectField(
        _l("Org unit"),
        coerce=optional_int,
        choices=[],
        validate_choice=False,
        description=_l("Includes its sub-units."),
    )
    status = SelectField(_l("Employment"), choices=[], validate_choice=False)
