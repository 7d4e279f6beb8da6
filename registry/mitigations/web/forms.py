"""The mitigation's edit form (planning one for a requirement's gap and changing it) and the
filters of the list of all mitigations (GET, no CSRF: they change nothing).

Checks that need the database (the owner still exists) and the rules of an accepted risk live
in `mitigations.services` and come back as field errors; the form checks what a single value
can tell.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from registry.core.forms import LONG_TEXT, DateField, RecordForm
from registry.core.templating import choices
from registry.people.fields import PersonField


class MitigationForm(RecordForm):
    # No default: a measure nobody chose is refused, not silently saved as "training".
    kind = SelectField(
        _l("Kind of measure"),
        validators=[DataRequired(message=_l("Choose the kind of measure."))],
    )
    owner_id = PersonField(
        _l("Owner"),
        validators=[Optional()],
        description=_l("Who carries it out: type a name, part of a name or an employee number."),
    )
    due_on = DateField(_l("Due on"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[DataRequired()], default="open")
    risk_expires_on = DateField(
        _l("Risk accepted until"),
        validators=[Optional()],
        description=_l(
            "Only for an accepted risk: the date on which it lapses, at most a year from today."
        ),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), LONG_TEXT],
        description=_l("For an accepted risk: the justification, why the risk is acceptable."),
    )

    def set_choices(self, record=None) -> None:
        self.kind.choices = [
            SelectChoice("", _("choose a kind of measure")),
            *choices("mitigation_kind"),
        ]
        self.status.choices = choices("mitigation_status")


class MitigationListForm(Form):
    status = SelectField(_l("Status"), validators=[Optional()])
    kind = SelectField(_l("Kind of measure"), validators=[Optional()])
    owner = StringField(
        _l("Owner"),
        validators=[Optional(), Length(max=200)],
        description=_l("Employee number or part of the name."),
        filters=[lambda value: value.strip() if value else value],
    )
    overdue = BooleanField(_l("Only overdue ones"))

    def set_choices(self) -> None:
        self.status.choices = [SelectChoice("", _("all")), *choices("mitigation_status")]
        self.kind.choices = [SelectChoice("", _("all")), *choices("mitigation_kind")]

    def value(self, name: str):
        """A field's valid value, or None (a bad choice is ignored, with its message shown)."""
        field = self[name]
        return None if field.errors else (field.data or None)
