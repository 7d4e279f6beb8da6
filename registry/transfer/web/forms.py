"""Forms of the web import and export: uploading the interchange files, applying a previewed
upload, and asking for an export."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField
from wtforms.validators import AnyOf, DataRequired, Regexp


class UploadForm(FlaskForm):
    """One or more interchange CSV files, or one zip file holding them."""

    files = MultipleFileField(
        _l("Files"),
        description=_l(
            "Choose one or more of the CSV files named above, one .zip file that "
            "holds them, or one Excel workbook (.xlsx) with a sheet per file. Nothing is "
            "imported yet: you first see what would change."
        ),
        render_kw={"accept": ".csv,.zip,.xlsx,text/csv,application/zip"},
    )


class ApplyForm(FlaskForm):
    """Apply the upload previewed under `token`."""

    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{20,100}$")])


class ExportForm(FlaskForm):
    """Export every record; `format` is the value of the button pressed ("zip" or "xlsx")."""

    format = StringField(validators=[DataRequired(), AnyOf(["zip", "xlsx"])])
