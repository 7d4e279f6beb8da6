"""Assignments (who commissions which service) and holdings (who holds which competence)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import audit, writes
from registry.catalogue.models.competences import LEVELS, Competence
from registry.catalogue.models.services import Service
from registry.core import limits
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.gaps.rules.gaps import ANALYSED_SERVICE_STATUSES
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from registry.people.services._records import _clean

ASSIGNMENT_FIELDS = ("role", "start_on", "end_on")


HOLDING_FIELDS = ("level", "assessed_on", "assessed_by", "expires_on", "evidence")


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
    return writes.create(
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
    return writes.update(
        actor,
        "update",
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
    return writes.update(actor, "update", "assignment", assignment, {"end_on": end_on})


def delete_assignment(actor: audit.Actor, assignment: Assignment, version) -> None:
    """Remove an assignment entered by mistake (ending it keeps the history)."""
    ensure_version(assignment, version)
    writes.delete(actor, "assignment", assignment)


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
    return writes.create(
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
    return writes.update(actor, "update", "holding", holding, values)


def delete_holding(actor: audit.Actor, holding: Holding, version) -> None:
    """Remove an assessment recorded by mistake."""
    ensure_version(holding, version)
    writes.delete(actor, "holding", holding)
