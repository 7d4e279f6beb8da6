"""The filters of the list of all mitigations (GET, no CSRF: they change nothing)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from registry.core.templating import choices


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
