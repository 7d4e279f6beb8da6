"""Forms for administering login accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from registry.accounts import rules as accounts_rules
from registry.accounts.services.users import PASSWORD_MAX, PASSWORD_MIN
from registry.core.forms import EMAIL_PATTERN, EditForm, optional_int
from registry.people.fields import PersonField

PASSWORD_HINT = _l(
    "%(min)s to %(max)s characters. Leave empty to have one generated; it is shown once.",
    min=PASSWORD_MIN,
    max=PASSWORD_MAX,
)


class _AccountFields:
    name = StringField(
        _l("Name"), validators=[Optional(), Length(max=accounts_rules.USER_NAME_MAX)]
    )
    role = SelectField(_l("Role"), choices=[])
    person = PersonField(
        _l("Linked person"),
        validators=[Optional()],
        description=_l(
            "Optional: the staff record of this account holder. Type a name, part of a name "
            "or an employee number."
        ),
    )
    org_unit_id = SelectField(_l("Org unit"), coerce=optional_int, choices=[])


class NewUserForm(_AccountFields, FlaskForm):
    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=accounts_rules.EMAIL_MAX),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address like name@example.nl.")),
        ],
        description=_l("Used to log in."),
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=PASSWORD_HINT,
    )
    # Region administrators of a registry of several organisations only (else removed).
    organisation = SelectField(_l("Organisation"), choices=[])


class EditUserForm(_AccountFields, EditForm):
    pass


class ResetPasswordForm(EditForm):
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=PASSWORD_HINT,
    )


class ActivationForm(EditForm):
    """Deactivate or reactivate: CSRF and the account's version."""


class ResetTwoFactorForm(EditForm):
    """Reset another account's two-factor authentication: CSRF and the account's version."""


class MembershipForm(FlaskForm):
    """A region administrator gives an account a role in an organisation or in the whole
    region (replacing the role it had there)."""

    organisation = SelectField(_l("Organisation"), choices=[])
    role = SelectField(_l("Role"), choices=[])


class RemoveMembershipForm(FlaskForm):
    """Ends the account's membership of one organisation (or of the region): CSRF and which."""

    organisation = HiddenField()


class UserFilterForm(FlaskForm):
    """The search box of the users list (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=254)],
        description=_l("Part of a name or e-mail address."),
    )
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
