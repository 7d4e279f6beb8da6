"""Forms of the audit log: the filters (sent with GET, no CSRF needed as nothing changes) and
the chain verification (POST, CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from registry.audit.rules import audit_chain
from registry.core.forms import InPeriod


def _choices(values, labels=None):
    labels = labels or {}
    return [SelectChoice("", _l("(all)"))] + [
        SelectChoice(value, str(labels.get(value, value))) for value in values
    ]


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, read from the query string."""

    class Meta:
        csrf = False

    entity = SelectField(_l("Record type"), validators=[Optional()], validate_choice=False)
    entity_id = StringField(
        _l("Record number"),
        validators=[Optional(), Length(max=80)],
        description=_l("The id of one record, e.g. from its page address."),
    )
    actor = SelectField(_l("User"), validators=[Optional()], validate_choice=False)
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    result = SelectField(_l("Result"), validators=[Optional()], validate_choice=False)
    date_from = DateField(
        _l("From"),
        validators=[Optional(), InPeriod()],
        description=_l("Day in Dutch time, included."),
    )
    date_to = DateField(_l("Up to and including"), validators=[Optional(), InPeriod()])

    def set_choices(
        self, values: dict, entity_labels: dict, action_labels: dict, result_labels: dict
    ) -> None:
        """Fill the selects with the values that occur in the log (and keep the chosen one)."""
        for name, labels in (("entity", entity_labels), ("actor", {}), ("action", action_labels)):
            options = list(values.get(name, []))
            chosen = getattr(self, name).data
            if chosen and chosen not in options:
                options.append(chosen)
            getattr(self, name).choices = _choices(options, labels)
        self.result.choices = _choices(list(result_labels), result_labels)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date lies before the start date."))


class VerifyForm(FlaskForm):
    """Run the chain verification, optionally against a head noted earlier."""

    expect = StringField(
        _l("Expected head (optional)"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "A head noted from an earlier verification, as N:HASH. The log must still "
            "hold it; this catches events removed from the end of the log."
        ),
    )

    def validate_expect(self, field):
        if field.data and audit_chain.parse_head(field.data) is None:
            raise ValidationError(
                _l("Enter the head as a number, a colon and the 64-character hash, e.g. 12:3f2a…")
            )
