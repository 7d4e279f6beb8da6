"""Shared form pieces: the version that travels in every edit form (optimistic locking)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class VersionedForm(FlaskForm):
    """An edit form; `version` is the record's version when the form was opened."""

    version = HiddenField()
