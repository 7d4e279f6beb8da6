"""People, org units, assignments and holdings: the list of people and every form that keeps
them current (new hires, changes, departures, assignments, assessments).

Views are thin: parse the form and hand the call to `registry.people.services` to
`editing.edit_page` (or `save_form`) or `editing.confirm_page` (commit, flash and redirect).
A `ServiceError` comes back as an error on its field (200); a `StaleRecord` (someone saved the
record after this form was opened) answers 409 with the current values and what was typed.

One blueprint, `people`, whose endpoints (`people.assignment_new`, `people.holding_edit`, …)
templates and tests address by name; its views are split by what they keep current:
`persons` (the list, new hires, changes, departures), `assignments`, `holdings` and
`org_units`. This module holds the blueprint and the helpers they share (the package
registers the views on it); reads are in `registry.people.services`.
"""

from datetime import date

from flask import Blueprint, abort, request, url_for

from registry.core.navigation import safe_next
from registry.core.permissions import Permission
from registry.people import services as service
from registry.people.models.staff import Person

bp = Blueprint("people", __name__, url_prefix="/people")

# The role table grants hard deletes (DELETE_RECORDS) to administrators only.
ADMIN_ONLY = Permission.DELETE_RECORDS


# --- shared helpers -------------------------------------------------------------------------


def back(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def person_or_404(employee_number: str) -> Person:
    person = service.person_by_number(employee_number)
    if person is None:
        abort(404)
    return person


def today() -> date:
    return date.today()


def dossier_url(person: Person) -> str:
    return url_for("dossiers.person", employee_number=person.employee_number)


def to_person(person: Person) -> str:
    return back(dossier_url(person))
