"""The period of the trend page (GET, no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form
from wtforms.validators import Optional

from registry.core.forms import InPeriod


class TrendForm(Form):
    start = DateField(
        _l("From"),
        validators=[Optional(), InPeriod()],
        description=_l("Empty: a year before the last one."),
    )
    end = DateField(
        _l("Until"),
        validators=[Optional(), InPeriod()],
        description=_l("Empty: the latest snapshot."),
    )

    def value(self, name: str):
        field = self[name]
        return None if field.errors else field.data
