"""People: new hires, changes, departures, hard deletes of unused records, and the people list."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from registry.accounts.models.users import User
from registry.audit.services import audit, writes
from registry.catalogue.models.services import Service
from registry.core import limits
from registry.core.config import default_horizon
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.core.lists import contains
from registry.gaps.services.sql import employed_on
from registry.mitigations.models import Mitigation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person
from registry.people.services._records import _clean, _references
from registry.transfer.rules.interchange import PATH_SEPARATOR

PERSON_FIELDS = ("employee_number", "name", "email", "org_unit_id", "job_title", "start_date")


def person_by_number(employee_number: str | None) -> Person | None:
    """The person with this employee number (exact, surrounding spaces ignored), or None."""
    number = _clean(employee_number)
    if number is None:
        return None
    return db.session.execute(
        select(Person).where(Person.employee_number == number)
    ).scalar_one_or_none()


def person_id_by_number(employee_number: str | None, field: str = "owner") -> int | None:
    """The id of the person with this employee number (None for no number); an unknown number
    is refused on `field` (the API names people by employee number)."""
    if employee_number is None:
        return None
    person = person_by_number(employee_number)
    if person is None:
        raise ServiceError(_l("No person has this employee number."), field)
    return person.id


def person_by_id(person_id: int | None) -> Person | None:
    """The person with this id, or None."""
    return db.session.get(Person, person_id) if person_id is not None else None


def person_label(person: Person) -> str:
    """How a form shows a chosen person: "Name (employee number)"."""
    return f"{person.name} ({person.employee_number})"


def _check_person(values: dict, person: Person | None) -> None:
    number = values.get("employee_number")
    if not number:
        raise ServiceError(_l("An employee number is required."), "employee_number")
    if not values.get("name"):
        raise ServiceError(_l("A name is required."), "name")
    problem = limits.employee_number_problem(number)
    if problem is not None:
        raise ServiceError(
            _l("Use letters, digits, dots, hyphens and underscores, without spaces.")
            if problem == "pattern"
            else _l("This is a reserved word; choose another employee number."),
            "employee_number",
        )
    other = person_by_number(number)
    if other is not None and other is not person:
        raise ServiceError(
            _l(
                "Employee number %(number)s is already used by %(name)s.",
                number=number,
                name=other.name,
            ),
            "employee_number",
        )
    unit_id = values.get("org_unit_id")
    if unit_id is not None and db.session.get(OrgUnit, unit_id) is None:
        raise ServiceError(_l("This org unit no longer exists; choose another."), "org_unit_id")
    start = values.get("start_date")
    leave = person.leave_date if person is not None else None
    if start and leave and leave < start:
        raise ServiceError(
            _l(
                "The start date must not be after the leave date (%(leave)s).",
                leave=leave.isoformat(),
            ),
            "start_date",
        )


def create_person(actor: audit.Actor, **values) -> Person:
    """Register a new member of staff (a new hire)."""
    values = {key: _clean(values.get(key)) for key in PERSON_FIELDS}
    _check_person(values, None)
    return writes.create(
        actor,
        "person",
        Person(**values),
        _l("This employee number is already in use."),
        "employee_number",
    )


def update_person(actor: audit.Actor, person: Person, version, **values) -> Person:
    """Change a person's details (not the leave date: that is `register_departure`)."""
    ensure_version(person, version)
    values = {key: _clean(values.get(key)) for key in PERSON_FIELDS}
    _check_person(values, person)
    return writes.update(
        actor,
        "update",
        "person",
        person,
        values,
        _l("This employee number is already in use."),
        "employee_number",
    )


def check_leave_date(person: Person, leave_date: date | None) -> None:
    """Raise a field error unless `leave_date` is given and not before the start date."""
    if leave_date is None:
        raise ServiceError(
            _l("Enter the first day the person is no longer employed."), "leave_date"
        )
    if person.start_date and leave_date < person.start_date:
        raise ServiceError(
            _l(
                "The leave date must be on or after the start date (%(start)s).",
                start=person.start_date.isoformat(),
            ),
            "leave_date",
        )


def register_departure(
    actor: audit.Actor, person: Person, version, leave_date: date | None
) -> Person:
    """Set (or change) the leave date: the first day the person is no longer employed."""
    ensure_version(person, version)
    check_leave_date(person, leave_date)
    return writes.update(actor, "update", "person", person, {"leave_date": leave_date})


def withdraw_departure(actor: audit.Actor, person: Person, version) -> Person:
    """Clear a planned leave date (the person stays after all)."""
    ensure_version(person, version)
    return writes.update(actor, "update", "person", person, {"leave_date": None})


@dataclass(frozen=True)
class PersonUsage:
    """What still refers to a person; a hard delete is only possible when all are zero."""

    assignments: int
    holdings: int
    services_owned: int
    mitigations_owned: int
    accounts: int

    @property
    def unused(self) -> bool:
        return not any(
            (
                self.assignments,
                self.holdings,
                self.services_owned,
                self.mitigations_owned,
                self.accounts,
            )
        )


def person_usage(person: Person) -> PersonUsage:
    """Count the records referring to `person` (one query)."""
    return PersonUsage(
        *_references(
            person.id,
            Assignment.person_id,
            Holding.person_id,
            Service.owner_id,
            Mitigation.owner_id,
            User.person_id,
        )
    )


def delete_person(actor: audit.Actor, person: Person, version) -> None:
    """Remove a person record for good (a mistake, a duplicate); only when nothing refers to
    it, and only the version the user saw. Everyone else is given a leave date instead, so
    history is kept."""
    ensure_version(person, version)
    if not person_usage(person).unused:
        raise ServiceError(
            _l(
                "%(name)s still has assignments, assessments, services, "
                "mitigations or an account; register a departure instead.",
                name=person.name,
            )
        )
    writes.delete(actor, "person", person)


PEOPLE_STATUS_FILTERS = ("employed", "leaving", "left")


def people_query(
    text: str = "",
    unit: OrgUnit | None = None,
    status: str | None = None,
    day: date | None = None,
    horizon_days: int | None = None,
) -> Select:
    """People with their org unit, by name: `text` in name, number or e-mail; in `unit` or one
    of its sub-units; `status` employed on `day`, leaving within `horizon_days`, or left."""
    day = day or date.today()
    horizon_days = default_horizon() if horizon_days is None else horizon_days
    query = select(Person).options(joinedload(Person.org_unit))
    if text:
        query = query.where(contains(text, Person.name, Person.employee_number, Person.email))
    if unit is not None:
        query = query.join(OrgUnit, Person.org_unit_id == OrgUnit.id).where(
            or_(
                OrgUnit.id == unit.id,
                OrgUnit.path.startswith(unit.path + PATH_SEPARATOR, autoescape=True),
            )
        )
    if status == "employed":
        query = query.where(employed_on(day))
    elif status == "leaving":
        query = query.where(employed_on(day), Person.leave_date <= day + timedelta(horizon_days))
    elif status == "left":
        query = query.where(Person.leave_date <= day)
    return query.order_by(Person.name, Person.employee_number)
