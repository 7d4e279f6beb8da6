"""The period of the trend page (GET, no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form
from wtforms.validators import Optional, ValidationError

from registry.core import periods


class TrendForm(Form):
    start = DateField(
        _l("From"), validators=[Optional()], description=_l("Empty: a year before the last one.")
    )
    end = DateField(
        _l("Until"), validators=[Optional()], description=_l("Empty: the latest snapshot.")
    )

    # The accepted dates, checked like every report's (InPeriod) but inline, so that the inputs
    # keep their markup; 0001-01-01 used to reach the period's arithmetic and answer 500.
    def validate_start(self, field):
        _in_period(field)

    def validate_end(self, field):
        _in_period(field)

    def value(self, name: str):
        field = self[name]
        return None if field.errors else field.data


def _in_period(field) -> None:
    if field.data is not None and not periods.date_in_range(field.data):
        raise ValidationError(str(_l(periods.DATE_MESSAGE)))
