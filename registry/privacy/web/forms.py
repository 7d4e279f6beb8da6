"""Forms of the privacy page: the day to look at (GET, the dry run) and the confirmation
(POST, CSRF) that carries the same day and the number of people the admin saw."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from registry.core.forms import InPeriod
from registry.privacy import rules


def _has_passed(_form, field) -> None:
    if field.data and not rules.may_anonymise(field.data, date.today()):
        raise ValidationError(_l(rules.FUTURE_MESSAGE))


class LeaversForm(FlaskForm):
    """Who left before this day (read from the query string; nothing changes)."""

    class Meta:
        csrf = False

    left_before = DateField(
        _l("Left before"),
        validators=[Optional(), InPeriod(), _has_passed],
        description=_l("People whose last day of employment lies before this day."),
    )


class AnonymiseForm(FlaskForm):
    """The confirmation: the day of the dry run and how many people it listed."""

    left_before = DateField(
        _l("Left before"),
        validators=[DataRequired(), InPeriod(), _has_passed],
        widget=HiddenInput(),
    )
    expected = IntegerField(
        validators=[DataRequired(), NumberRange(min=1, max=10_000_000)], widget=HiddenInput()
    )
