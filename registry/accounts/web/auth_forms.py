"""Forms for logging in and changing one's password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from registry.accounts import rules as accounts_rules
from registry.accounts.services.users import PASSWORD_MAX, PASSWORD_MIN


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=accounts_rules.EMAIL_MAX)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField(validators=[Length(max=2000)])


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=_l("At least %(min)s characters.", min=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[
            DataRequired(),
            Length(max=PASSWORD_MAX),
            EqualTo("new", message=_l("The passwords do not match.")),
        ],
    )


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")])
    next = HiddenField(validators=[Length(max=2000)])
