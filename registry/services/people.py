"""People, org units, assignments and holdings: the use cases behind the browser forms.

Every function validates what only the database can know (uniqueness, references, usage),
changes the records, flushes, and records one audit event per changed record in the caller's
transaction. Nothing here commits. Refused input raises `ServiceError(message, field)`;
an edit of a record that changed after the form was opened raises `StaleRecord`.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal_column, or_, select
from sqlalchemy import text as text_clause
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from registry.domain import limits
from registry.domain.gaps import ANALYSED_SERVICE_STATUSES
from registry.domain.interchange import PATH_SEPARATOR
from registry.extensions import db
from registry.models import (
    Assignment,
    Competence,
    Holding,
    Mitigation,
    OrgUnit,
    Person,
    Service,
    User,
    search,
)
from registry.models.catalogue import LEVELS
from registry.services import audit
from registry.services.errors import ServiceError, ensure_version
from registry.services.gaps.sql import employed_on
from registry.services.lists import contains

PERSON_FIELDS = ("employee_number", "name", "email", "org_unit_id", "job_title", "start_date")
ASSIGNMENT_FIELDS = ("role", "start_on", "end_on")
HOLDING_FIELDS = ("level", "assessed_on", "assessed_by", "expires_on", "evidence")


def _clean(value):
    """Strings are stripped; empty strings become None (an empty cell is empty)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _flush(duplicate=None, field: str | None = None) -> None:
    """Flush; with a `duplicate` message, a constraint violation (a concurrent duplicate)
    becomes that error on `field`."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if duplicate is None:
            raise
        raise ServiceError(duplicate, field) from error


def _update_event(actor: audit.Actor, entity: str, record, before: dict) -> None:
    old, new = audit.changes(before, audit.snapshot(record))
    if new:
        audit.record(actor, "update", entity, record.id, before=old, after=new)


def _create(actor: audit.Actor, entity: str, record, duplicate, field: str):
    """Add `record` and audit it; a concurrent duplicate becomes `duplicate` on `field`."""
    db.session.add(record)
    _flush(duplicate, field)
    audit.record(actor, "create", entity, record.id, after=audit.snapshot(record))
    return record


def _change(
    actor: audit.Actor, entity: str, record, values: dict, duplicate=None, field: str | None = None
):
    """Set `values` on `record`; audit only the fields that really changed."""
    before = audit.snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    _flush(duplicate, field)
    _update_event(actor, entity, record, before)
    return record


def _references(record_id: int, *columns) -> tuple[int, ...]:
    """How many rows refer to `record_id` through each of `columns`, in one query."""
    counts = (
        select(func.count()).where(column == record_id).scalar_subquery() for column in columns
    )
    return tuple(db.session.execute(select(*counts)).one())


def _delete(actor: audit.Actor, entity: str, record) -> None:
    """Delete `record`; the audit event keeps the values it had."""
    before = audit.snapshot(record)
    db.session.delete(record)
    db.session.flush()
    audit.record(actor, "delete", entity, before["id"], before=before)


# --- people -------------------------------------------------------------------------------


def person_by_number(employee_number: str | None) -> Person | None:
    """The person with this employee number (exact, surrounding spaces ignored), or None."""
    number = _clean(employee_number)
    if number is None:
        return None
    return db.session.execute(
        select(Person).where(Person.employee_number == number)
    ).scalar_one_or_none()


def person_by_id(person_id: int | None) -> Person | None:
    """The person with this id, or None."""
    return db.session.get(Person, person_id) if person_id is not None else None


def person_label(person: Person) -> str:
    """How a form shows a chosen person: "Name (employee number)"."""
    return f"{person.name} ({person.employee_number})"


# --- finding people by name or number ---------------------------------------------------------

SEARCH_MAX_LENGTH = 200  # what a person field accepts; longer input is cut
MATCH_LIMIT = 10  # matches offered as a choice; more means "type more"
_WORD = re.compile(r"\w+", re.UNICODE)
_LABEL = re.compile(r"\((?P<number>[^()]+)\)\s*$")


@dataclass(frozen=True)
class Resolution:
    """What a person field's text resolves to: one person, or the matches to choose from."""

    person: Person | None
    matches: list[Person]


def find_people(text: str | None, limit: int = MATCH_LIMIT) -> list[Person]:
    """People whose name or employee number has words starting with every word of `text`
    ("jan" finds Jan Jansen and Marieke Jansma), by name, at most `limit`.

    The search seeks in the people search index (`registry.models.search`): FTS5 on SQLite,
    a GIN index on PostgreSQL; at most `limit` ids are read from it, so the cost does not grow
    with the number of people. Other databases fall back to a LIKE scan.
    """
    words = _WORD.findall((text or "")[:SEARCH_MAX_LENGTH].lower())[:8]
    if not words:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        query = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        ids = select(literal_column("rowid")).select_from(text_clause(search.SEARCH_TABLE))
        ids = ids.where(text_clause(f"{search.SEARCH_TABLE} MATCH :query").bindparams(query=query))
    elif dialect == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        ids = select(Person.id).where(
            text_clause(f"{search.PG_DOCUMENT} @@ to_tsquery('simple', :query)").bindparams(
                query=query
            )
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        ids = select(Person.id).where(
            *(
                Person.name.ilike(f"%{word}%") | Person.employee_number.ilike(f"{word}%")
                for word in words
            )
        )
    found = ids.limit(limit).subquery()
    return list(
        db.session.scalars(
            select(Person)
            .join(found, Person.id == found.c[0])
            .order_by(Person.name, Person.employee_number)
        )
    )


def resolve_person(text: str | None, chosen: int | None = None) -> Resolution:
    """The person a person field's `text` means: the one `chosen` among several matches, a
    shown label "Name (number)", an exact employee number, or the single person found by
    `find_people`; otherwise no person and the matches (none, or several to choose from)."""
    text = (text or "").strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return Resolution(None, [])
    label = _LABEL.search(text)
    exact = person_by_number(label.group("number") if label else text)
    if exact is None and label:
        exact = person_by_number(text)
    if exact is not None:
        return Resolution(exact, [])
    matches = find_people(text, MATCH_LIMIT + 1)
    if chosen is not None:
        picked = next((p for p in matches if p.id == chosen), None)
        if picked is not None:
            return Resolution(picked, [])
    if len(matches) == 1:
        return Resolution(matches[0], [])
    return Resolution(None, matches[:MATCH_LIMIT])


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
    return _create(
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
    return _change(
        actor,
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
    return _change(actor, "person", person, {"leave_date": leave_date})


def withdraw_departure(actor: audit.Actor, person: Person, version) -> Person:
    """Clear a planned leave date (the person stays after all)."""
    ensure_version(person, version)
    return _change(actor, "person", person, {"leave_date": None})


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
    _delete(actor, "person", person)


# --- org units ------------------------------------------------------------------------------


def org_unit_paths(exclude: OrgUnit | None = None) -> list[tuple[int, str]]:
    """(id, path) of every org unit, by path; `exclude` leaves out a unit and its sub-units."""
    query = select(OrgUnit.id, OrgUnit.path).order_by(OrgUnit.path)
    if exclude is not None:
        query = query.where(
            OrgUnit.id != exclude.id,
            ~OrgUnit.path.startswith(exclude.path + PATH_SEPARATOR, autoescape=True),
        )
    return [(row.id, row.path) for row in db.session.execute(query)]


def _unit_path(name: str, parent: OrgUnit | None) -> str:
    return name if parent is None else parent.path + PATH_SEPARATOR + name


def _check_unit(name: str | None, parent: OrgUnit | None, unit: OrgUnit | None) -> str:
    if not name:
        raise ServiceError(_l("A name is required."), "name")
    if PATH_SEPARATOR.strip() in name:
        raise ServiceError(
            _l("A name cannot contain a slash (/): it separates the levels of the path."), "name"
        )
    if (
        unit is not None
        and parent is not None
        and (parent.id == unit.id or parent.path.startswith(unit.path + PATH_SEPARATOR))
    ):
        raise ServiceError(
            _l("An org unit cannot be placed under itself or one of its own sub-units."),
            "parent_id",
        )
    path = _unit_path(name, parent)
    other = db.session.execute(select(OrgUnit).where(OrgUnit.path == path)).scalar_one_or_none()
    if other is not None and other is not unit:
        raise ServiceError(_l("%(path)s already exists.", path=path), "name")
    return path


def _parent(parent_id) -> OrgUnit | None:
    if parent_id is None:
        return None
    parent = db.session.get(OrgUnit, parent_id)
    if parent is None:
        raise ServiceError(_l("This org unit no longer exists; choose another."), "parent_id")
    return parent


def create_org_unit(actor: audit.Actor, name: str | None, parent_id: int | None) -> OrgUnit:
    """Add a directorate, department or team."""
    name, parent = _clean(name), _parent(parent_id)
    path = _check_unit(name, parent, None)
    return _create(
        actor,
        "org_unit",
        OrgUnit(name=name, parent=parent, path=path),
        _l("%(path)s already exists.", path=path),
        "name",
    )


def update_org_unit(
    actor: audit.Actor, unit: OrgUnit, version, name: str | None, parent_id: int | None
) -> OrgUnit:
    """Rename or move a unit; the paths of all its sub-units follow."""
    ensure_version(unit, version)
    name, parent = _clean(name), _parent(parent_id)
    path = _check_unit(name, parent, unit)
    old_prefix = unit.path + PATH_SEPARATOR
    descendants = (
        db.session.execute(
            select(OrgUnit).where(OrgUnit.path.startswith(old_prefix, autoescape=True))
        )
        .scalars()
        .all()
    )
    before = {u.id: audit.snapshot(u) for u in (unit, *descendants)}
    unit.name, unit.parent, unit.path = name, parent, path
    for child in descendants:
        child.path = path + PATH_SEPARATOR + child.path[len(old_prefix) :]
    _flush(_l("%(path)s already exists.", path=path), "name")
    for record in (unit, *descendants):
        _update_event(actor, "org_unit", record, before[record.id])
    return unit


@dataclass(frozen=True)
class UnitUsage:
    children: int
    people: int
    accounts: int

    @property
    def unused(self) -> bool:
        return not (self.children or self.people or self.accounts)


def unit_usage(unit: OrgUnit) -> UnitUsage:
    """Count what refers to an org unit (one query)."""
    return UnitUsage(*_references(unit.id, OrgUnit.parent_id, Person.org_unit_id, User.org_unit_id))


def delete_org_unit(actor: audit.Actor, unit: OrgUnit, version) -> None:
    """Remove an org unit that has no sub-units, people or accounts, in the version the user
    saw."""
    ensure_version(unit, version)
    if not unit_usage(unit).unused:
        raise ServiceError(
            _l("%(path)s still has sub-units, people or accounts; move them first.", path=unit.path)
        )
    _delete(actor, "org_unit", unit)


# --- assignments ----------------------------------------------------------------------------


def _check_period(start: date | None, end: date | None, field: str) -> None:
    if start and end and end < start:
        raise ServiceError(_l("The end date must be on or after the start date."), field)


def create_assignment(
    actor: audit.Actor,
    person: Person | None,
    service_id: int | None,
    role=None,
    start_on=None,
    end_on=None,
) -> Assignment:
    """Assign a person to commission a service (unique per person and service)."""
    if person is None:
        raise ServiceError(_l("No person has this employee number."), "person")
    service = db.session.get(Service, service_id) if service_id is not None else None
    if service is None:
        raise ServiceError(_l("Choose a service."), "service")
    if service.status not in ANALYSED_SERVICE_STATUSES:
        raise ServiceError(
            _l(
                "%(service)s is retired; people can no longer be assigned to it.",
                service=service.name,
            ),
            "service",
        )
    existing = db.session.execute(
        select(Assignment).where(
            Assignment.person_id == person.id, Assignment.service_id == service.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ServiceError(
            _l(
                "%(name)s is already assigned to %(service)s; edit that assignment instead.",
                name=person.name,
                service=service.name,
            ),
            "service",
        )
    _check_period(start_on, end_on, "end_on")
    return _create(
        actor,
        "assignment",
        Assignment(
            person=person, service=service, role=_clean(role), start_on=start_on, end_on=end_on
        ),
        _l("This person is already assigned to this service."),
        "service",
    )


def update_assignment(
    actor: audit.Actor, assignment: Assignment, version, role=None, start_on=None, end_on=None
) -> Assignment:
    """Change the role or period of an assignment."""
    ensure_version(assignment, version)
    _check_period(start_on, end_on, "end_on")
    return _change(
        actor,
        "assignment",
        assignment,
        {"role": _clean(role), "start_on": start_on, "end_on": end_on},
    )


def end_assignment(
    actor: audit.Actor, assignment: Assignment, version, end_on: date | None
) -> Assignment:
    """End an assignment: `end_on` is the first day the person is no longer assigned."""
    ensure_version(assignment, version)
    if end_on is None:
        raise ServiceError(_l("Enter the first day the person is no longer assigned."), "end_on")
    _check_period(assignment.start_on, end_on, "end_on")
    return _change(actor, "assignment", assignment, {"end_on": end_on})


def delete_assignment(actor: audit.Actor, assignment: Assignment, version) -> None:
    """Remove an assignment entered by mistake (ending it keeps the history)."""
    ensure_version(assignment, version)
    _delete(actor, "assignment", assignment)


# --- holdings -------------------------------------------------------------------------------


def existing_holding(person: Person | None, competence_id: int | None) -> Holding | None:
    """The holding of this person and competence, if one is recorded."""
    if person is None or competence_id is None:
        return None
    return db.session.execute(
        select(Holding).where(
            Holding.person_id == person.id, Holding.competence_id == competence_id
        )
    ).scalar_one_or_none()


def _check_holding(values: dict) -> None:
    if values.get("level") not in LEVELS:
        raise ServiceError(_l("Choose a level from 1 to 5."), "level")
    if len(values.get("evidence") or "") > limits.MAX_TEXT_LENGTH:
        raise ServiceError(
            _l("At most %(max)s characters.", max=limits.MAX_TEXT_LENGTH), "evidence"
        )
    assessed, expires = values.get("assessed_on"), values.get("expires_on")
    if assessed and expires and expires < assessed:
        raise ServiceError(
            _l("The expiry date must be on or after the assessment date."), "expires_on"
        )


def record_holding(
    actor: audit.Actor, person: Person | None, competence_id: int | None, **values
) -> Holding:
    """Record an assessment: a person holds a competence at a level."""
    if person is None:
        raise ServiceError(_l("No person has this employee number."), "person")
    competence = db.session.get(Competence, competence_id) if competence_id else None
    if competence is None:
        raise ServiceError(_l("Choose a competence."), "competence")
    if competence.retired:
        raise ServiceError(
            _l("%(competence)s is retired; it is no longer assessed.", competence=competence.name),
            "competence",
        )
    if existing_holding(person, competence.id) is not None:
        raise ServiceError(
            _l(
                "%(name)s already has an assessment for %(competence)s; edit it instead.",
                name=person.name,
                competence=competence.name,
            ),
            "competence",
        )
    values = {key: _clean(values.get(key)) for key in HOLDING_FIELDS}
    _check_holding(values)
    return _create(
        actor,
        "holding",
        Holding(person=person, competence=competence, **values),
        _l("This person already has an assessment for this competence."),
        "competence",
    )


def update_holding(actor: audit.Actor, holding: Holding, version, **values) -> Holding:
    """Change an assessment (a new level, date, assessor, expiry or evidence)."""
    ensure_version(holding, version)
    values = {key: _clean(values.get(key)) for key in HOLDING_FIELDS}
    _check_holding(values)
    return _change(actor, "holding", holding, values)


def delete_holding(actor: audit.Actor, holding: Holding, version) -> None:
    """Remove an assessment recorded by mistake."""
    ensure_version(holding, version)
    _delete(actor, "holding", holding)


SUGGESTION_LIMIT = 1000


def suggested_people(day: date | None = None, limit: int = SUGGESTION_LIMIT):
    """(employee number, name) of people employed on `day`, by name: the suggestions of the
    person fields (capped; anyone can still be found by typing)."""
    return db.session.execute(
        select(Person.employee_number, Person.name)
        .where(employed_on(day or date.today()))
        .order_by(Person.name, Person.employee_number)
        .limit(limit)
    ).all()


# --- reads for lists and choices ------------------------------------------------------------

PEOPLE_STATUS_FILTERS = ("employed", "leaving", "left")


def people_query(
    text: str = "",
    unit: OrgUnit | None = None,
    status: str | None = None,
    day: date | None = None,
    horizon_days: int = 90,
) -> Select:
    """People with their org unit, by name: `text` in name, number or e-mail; in `unit` or one
    of its sub-units; `status` employed on `day`, leaving within `horizon_days`, or left."""
    day = day or date.today()
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


def org_unit_by_id(unit_id: int | None) -> OrgUnit | None:
    return db.session.get(OrgUnit, unit_id) if unit_id else None


def org_units_with_headcount(day: date | None = None) -> list[tuple[OrgUnit, int]]:
    """Every org unit by path, with the number of its people employed on `day` (one query)."""
    day = day or date.today()
    employed = (
        select(Person.org_unit_id, func.count().label("n"))
        .where(employed_on(day))
        .group_by(Person.org_unit_id)
        .subquery()
    )
    return [
        (unit, count)
        for unit, count in db.session.execute(
            select(OrgUnit, func.coalesce(employed.c.n, 0))
            .outerjoin(employed, employed.c.org_unit_id == OrgUnit.id)
            .order_by(OrgUnit.path)
        )
    ]
