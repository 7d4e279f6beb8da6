"""The person field and the org-unit choices, for every feature's forms: a reference to a
person is typed (name, part of a name or employee number) and resolved by the people search,
never chosen from a list of everyone.
"""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from registry.core.forms import optional_int
from registry.people import services as people_service


def init_app(app) -> None:
    """The suggestions of the person fields' <datalist> (templates/_partials/people_datalist)."""
    app.jinja_env.globals["suggested_people"] = people_service.suggested_people


def org_unit_choices(empty_label, exclude=None) -> list[SelectChoice]:
    """Every org unit by its full path, after an empty choice; `exclude` leaves out a unit and
    its sub-units (a unit cannot move under itself)."""
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(unit_id), path)
        for unit_id, path in people_service.org_unit_paths(exclude=exclude)
    ]


class PersonField(StringField):
    """A person, chosen by typing a name, part of a name or an employee number.

    `data` is the person's id (forms and services work with ids). The server resolves what was
    typed (`people.services.find_people`, an indexed prefix search): one match is accepted;
    several re-show the form with a choice of them next to the field (`matches`, submitted as
    `<name>-choice`); none is an error. The field shows "Name (number)", and a <datalist> of
    suggestions helps browsers that offer it; no JavaScript is needed.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"list": "people-suggestions", "autocomplete": "off"})
        kwargs.setdefault("description", _l("Type a name, part of a name or an employee number."))
        super().__init__(label, validators, **kwargs)
        self.text = ""
        self.matches: list = []
        self.person = None

    def _set(self, person) -> None:
        self.person = person
        self.data = person.id if person is not None else None
        self.text = people_service.person_label(person) if person is not None else ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.choice = formdata.get(self.name + "-choice", "") if formdata else ""
        super().process(formdata, data=data, extra_filters=extra_filters)

    def process_data(self, value):
        """From the record (an id) or a view (an id or a Person)."""
        if value is None or value == "":
            self._set(None)
        elif hasattr(value, "employee_number"):
            self._set(value)
        else:
            self._set(people_service.person_by_id(int(value)))

    def process_formdata(self, valuelist):
        """From the form: what was typed, and the choice among several matches if made."""
        if not valuelist:
            return
        self.text = (valuelist[0] or "").strip()[: people_service.SEARCH_MAX_LENGTH]
        self._set_typed(None)
        if not self.text:
            return
        chosen = optional_int(self.choice) if str(self.choice).isdigit() else None
        result = people_service.resolve_person(self.text, chosen)
        if result.person is not None:
            self._set_typed(result.person)
            return
        self.matches = result.matches
        if result.matches:
            raise ValueError(
                _l(
                    "Several people match “%(text)s”: choose one below, or type more of the "
                    "name or the employee number.",
                    text=self.text,
                )
            )
        raise ValueError(
            _l(
                "No one matches “%(text)s”. Type part of a name or an employee number.",
                text=self.text,
            )
        )

    def _set_typed(self, person) -> None:
        self.person = person
        self.data = person.id if person is not None else None
        if person is not None:
            self.text = people_service.person_label(person)

    def pre_validate(self, form):
        """A text that found nobody (or several) already has its message: stop there."""
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        return self.text

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data)
