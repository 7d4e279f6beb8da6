"""Forms of two-factor authentication: a code at login, at enrolment and to confirm changes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from registry.accounts.services.twofactor import CODE_MAX_LENGTH


class LoginCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)],
        description=_l(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)],
        description=_l("The six digits the app shows after adding the account."),
    )
    next = HiddenField(validators=[Length(max=2000)])


class ConfirmCodeForm(FlaskForm):
    """A change to one's own two-factor settings, confirmed with a current code."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)],
        description=_l("The six digits your authenticator app shows now."),
    )
