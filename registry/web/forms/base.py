"""Shared form pieces: the version that travels in every edit form (optimistic locking)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import DateRange

from registry.domain import periods
from registry.extensions import db
from registry.models import Person


class VersionedForm(FlaskForm):
    """An edit form; `version` is the record's version when the form was opened."""

    version = HiddenField()


class PersonNumberField(StringField):
    """A person chosen by employee number, with suggestions from a <datalist> (no JavaScript
    needed). `data` is the person's id, so forms and services work with ids; a select of every
    person would make the page megabytes long in a region with tens of thousands of staff."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"list": "people-suggestions", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.number = ""

    def process_data(self, value):
        """From the record: an id, shown as that person's employee number."""
        self.data = int(value) if value not in (None, "") else None
        person = db.session.get(Person, self.data) if self.data else None
        self.number = person.employee_number if person else ""

    def process_formdata(self, valuelist):
        """From the form: an employee number, looked up; unknown numbers are an error."""
        if not valuelist:
            return
        self.number = (valuelist[0] or "").strip()
        self.data = None
        if self.number:
            self.data = db.session.execute(
                select(Person.id).where(Person.employee_number == self.number)
            ).scalar()
            if self.data is None:
                raise ValueError(_l("No person has this employee number."))

    def _value(self):
        return self.number


class InPeriod(DateRange):
    """The dates every input accepts (registry.domain.periods); a date that could not be read
    at all keeps only its "not a valid date" message."""

    def __init__(self):
        super().__init__(
            min=periods.MIN_DATE, max=periods.MAX_DATE, message=_l(periods.DATE_MESSAGE)
        )

    def __call__(self, form, field):
        if field.data is not None:
            super().__call__(form, field)
