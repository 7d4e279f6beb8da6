"""The form to make an attestation (POST, CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from registry.audit.rules.attestation import MAX_STATEMENT


class AttestationForm(FlaskForm):
    as_of = DateField(
        _l("As of"),
        validators=[DataRequired(message=_l("Enter the as-of date."))],
        description=_l("The day whose gap report you attest."),
    )
    horizon = IntegerField(
        _l("Horizon in days"),
        validators=[
            InputRequired(message=_l("Enter a number of days from 0 to 3650.")),
            NumberRange(min=0, max=3650, message=_l("Enter a number of days from 0 to 3650.")),
        ],
    )
    statement = TextAreaField(
        _l("Statement"),
        validators=[
            DataRequired(message=_l("Write the statement you attest.")),
            Length(
                max=MAX_STATEMENT, message=_l("The statement may be at most 4000 characters long.")
            ),
        ],
        description=_l(
            "What you attest, in your own words. It is frozen with the figures and cannot be "
            "changed afterwards."
        ),
        render_kw={"rows": 6, "maxlength": MAX_STATEMENT},
    )
