"""Org units, people, assignments and holdings: the HR sync surface.

Writes go through `registry.people.services` (the web's validation, audit events and
optimistic locking). People are found by employee number; a departure is the person's leave
date (`PUT /people/{n}/departure`), withdrawn with `DELETE /people/{n}/departure`.

Why more than 400 lines: the endpoints of four resources (org units, people, assignments,
holdings), declarative like the catalogue's.
"""

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import actor, requires
from registry.catalogue import rules as catalogue_rules
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Service
from registry.core import limits
from registry.core import schemas as cs
from registry.core.api import (
    CREATED_HEADERS,
    ETAG_HEADER,
    by_key,
    created,
    errors,
    found,
    get_or_404,
    required_version,
    write,
)
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.paging import LIST_HEADERS, PageArgs, paginate
from registry.core.permissions import Permission
from registry.people import rules as people_rules
from registry.people import schemas as s
from registry.people import services as service
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person

READ, EDIT, DELETE = Permission.READ, Permission.EDIT_REGISTRY, Permission.DELETE_RECORDS

org_units = api_blueprint(
    "api_org_units", "org-units", "The org-unit tree (directorate › department › team)."
)
people = api_blueprint("api_people", "people", "Staff records (medewerkers), by employee number.")
assignments = api_blueprint(
    "api_assignments", "assignments", "Who is assigned to commission which service."
)
holdings = api_blueprint(
    "api_holdings", "holdings", "Assessed proficiency: a person holds a competence at a level."
)
BLUEPRINTS = (org_units, people, assignments, holdings)


# --- org units ----------------------------------------------------------------------------


class OrgUnitArgs(PageArgs):
    parent_id = cs.Id(metadata={"description": "Only the direct sub-units of this unit."})
    path = cs.Text(
        people_rules.ORG_UNIT_PATH_MAX,
        metadata={"description": "Units whose path starts with this."},
    )


@org_units.route("", methods=["GET"])
@requires(READ)
@org_units.arguments(OrgUnitArgs, location="query")
@org_units.response(200, s.OrgUnitOut(many=True), headers=LIST_HEADERS)
@errors(org_units, 422)
def list_org_units(args):
    """List org units, by path."""
    headers = {}
    query = select(OrgUnit)
    if args.get("parent_id") is not None:
        query = query.where(OrgUnit.parent_id == args["parent_id"])
    if args.get("path"):
        query = query.where(OrgUnit.path.startswith(args["path"], autoescape=True))
    return paginate(query.order_by(OrgUnit.path, OrgUnit.id), args, headers), 200, headers


@org_units.route("", methods=["POST"])
@requires(EDIT)
@org_units.arguments(s.OrgUnitIn)
@org_units.response(201, s.OrgUnitOut, headers=CREATED_HEADERS)
@errors(org_units, 409, 422)
def create_org_unit(values):
    """Add a directorate, department or team."""
    record = write(service.create_org_unit, actor(), values["name"], values.get("parent_id"))
    return created(record, "api_org_units.get_org_unit", unit_id=record.id)


@org_units.route("/<int:unit_id>", methods=["GET"])
@requires(READ)
@org_units.response(200, s.OrgUnitOut, headers=ETAG_HEADER)
@errors(org_units, 404)
def get_org_unit(unit_id):
    """One org unit."""
    return found(get_or_404(OrgUnit, unit_id))


@org_units.route("/<int:unit_id>", methods=["PUT"])
@requires(EDIT)
@org_units.arguments(s.OrgUnitIn)
@org_units.response(200, s.OrgUnitOut, headers=ETAG_HEADER)
@errors(org_units, 404, 409, 412, 422, 428)
def update_org_unit(values, unit_id):
    """Rename or move an org unit (If-Match required)."""
    record = get_or_404(OrgUnit, unit_id)
    version = required_version(record)
    return found(
        write(
            service.update_org_unit,
            actor(),
            record,
            version,
            values["name"],
            values.get("parent_id"),
        )
    )


@org_units.route("/<int:unit_id>", methods=["DELETE"])
@requires(EDIT)
@org_units.response(204)
@errors(org_units, 404, 412, 422, 428)
def delete_org_unit(unit_id):
    """Remove an org unit without sub-units, people or accounts (If-Match required)."""
    record = get_or_404(OrgUnit, unit_id)
    write(service.delete_org_unit, actor(), record, required_version(record))
    return ""


# --- people -------------------------------------------------------------------------------


class PeopleArgs(PageArgs):
    org_unit_id = cs.Id()
    employed_on = ma.fields.Date(
        metadata={"description": "Only people employed on this day (DESIGN's rule)."}
    )
    leaving = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "true: only people with a leave date; false: only without."},
    )
    q = cs.Text(200, metadata={"description": "Part of the name or employee number."})


_PERSON = (joinedload(Person.org_unit),)


def _person(employee_number: str) -> Person:
    return by_key(Person, Person.employee_number, employee_number, *_PERSON)


@people.route("", methods=["GET"])
@requires(READ)
@people.arguments(PeopleArgs, location="query")
@people.response(200, s.PersonOut(many=True), headers=LIST_HEADERS)
@errors(people, 422)
def list_people(args):
    """List people, by employee number."""
    from registry.gaps.services import employed_on

    headers = {}
    query = select(Person).options(*_PERSON)
    if args.get("org_unit_id") is not None:
        query = query.where(Person.org_unit_id == args["org_unit_id"])
    if args.get("employed_on") is not None:
        query = query.where(employed_on(args["employed_on"]))
    if args.get("leaving") is not None:
        column = Person.leave_date
        query = query.where(column.is_not(None) if args["leaving"] else column.is_(None))
    if args.get("q"):
        query = query.where(
            or_(
                Person.name.contains(args["q"], autoescape=True),
                Person.employee_number.contains(args["q"], autoescape=True),
            )
        )
    query = query.order_by(Person.employee_number, Person.id)
    return paginate(query, args, headers), 200, headers


@people.route("", methods=["POST"])
@requires(EDIT)
@people.arguments(s.PersonIn)
@people.response(201, s.PersonOut, headers=CREATED_HEADERS)
@errors(people, 409, 422)
def create_person(values):
    """Register a new member of staff."""
    record = write(service.create_person, actor(), **values)
    return created(record, "api_people.get_person", employee_number=record.employee_number)


@people.route("/<employee_number>", methods=["GET"])
@requires(READ)
@people.response(200, s.PersonOut, headers=ETAG_HEADER)
@errors(people, 404)
def get_person(employee_number):
    """One person, by employee number."""
    return found(_person(employee_number))


@people.route("/<employee_number>", methods=["PUT"])
@requires(EDIT)
@people.arguments(s.PersonIn)
@people.response(200, s.PersonOut, headers=ETAG_HEADER)
@errors(people, 404, 409, 412, 422, 428)
def update_person(values, employee_number):
    """Change a person's details; the leave date is the departure (If-Match required)."""
    record = _person(employee_number)
    version = required_version(record)
    return found(write(service.update_person, actor(), record, version, **values))


@people.route("/<employee_number>", methods=["DELETE"])
@requires(DELETE)
@people.response(204)
@errors(people, 404, 412, 422, 428)
def delete_person(employee_number):
    """Remove a person nothing refers to (administrators; If-Match required). Everyone else
    gets a departure instead."""
    record = _person(employee_number)
    write(service.delete_person, actor(), record, required_version(record))
    return ""


@people.route("/<employee_number>/departure", methods=["PUT"])
@requires(EDIT)
@people.arguments(s.DepartureIn)
@people.response(200, s.PersonOut, headers=ETAG_HEADER)
@errors(people, 404, 409, 412, 422, 428)
def register_departure(values, employee_number):
    """Register (or move) a departure: the first day the person is no longer employed
    (If-Match: the person's ETag)."""
    record = _person(employee_number)
    version = required_version(record)
    return found(write(service.register_departure, actor(), record, version, values["leave_date"]))


@people.route("/<employee_number>/departure", methods=["DELETE"])
@requires(EDIT)
@people.response(200, s.PersonOut, headers=ETAG_HEADER)
@errors(people, 404, 412, 428)
def withdraw_departure(employee_number):
    """Withdraw a planned departure: the person stays (If-Match: the person's ETag)."""
    record = _person(employee_number)
    version = required_version(record)
    return found(write(service.withdraw_departure, actor(), record, version))


# --- assignments --------------------------------------------------------------------------


class AssignmentArgs(PageArgs):
    employee_number = cs.Text(limits.EMPLOYEE_NUMBER_MAX_LENGTH)
    service = cs.Text(catalogue_rules.SERVICE_CODE_MAX, metadata={"description": "Service code."})
    active_on = ma.fields.Date(metadata={"description": "Only assignments active on this day."})


_ASSIGNMENT = (joinedload(Assignment.person), joinedload(Assignment.service))


@assignments.route("", methods=["GET"])
@requires(READ)
@assignments.arguments(AssignmentArgs, location="query")
@assignments.response(200, s.AssignmentOut(many=True), headers=LIST_HEADERS)
@errors(assignments, 422)
def list_assignments(args):
    """List assignments, by employee number and service code."""
    from registry.gaps.services import assigned_on

    headers = {}
    query = (
        select(Assignment)
        .join(Person, Assignment.person_id == Person.id)
        .join(Service, Assignment.service_id == Service.id)
        .options(*_ASSIGNMENT)
    )
    if args.get("employee_number"):
        query = query.where(Person.employee_number == args["employee_number"])
    if args.get("service"):
        query = query.where(Service.code == args["service"])
    if args.get("active_on") is not None:
        query = query.where(assigned_on(args["active_on"]))
    query = query.order_by(Person.employee_number, Service.code, Assignment.id)
    return paginate(query, args, headers), 200, headers


def _service_id(code: str) -> int:
    found_id = db.session.execute(
        select(Service.id).where(Service.code == code)
    ).scalar_one_or_none()
    if found_id is None:
        raise ServiceError(_("No service has this code."), "service")
    return found_id


@assignments.route("", methods=["POST"])
@requires(EDIT)
@assignments.arguments(s.AssignmentCreate)
@assignments.response(201, s.AssignmentOut, headers=CREATED_HEADERS)
@errors(assignments, 409, 422)
def create_assignment(values):
    """Assign a person to commission a service."""

    def run():
        fields = dict(values)
        person = service.person_by_number(fields.pop("employee_number"))
        service_id = _service_id(fields.pop("service"))
        return service.create_assignment(actor(), person, service_id, **fields)

    record = write(run)
    return created(record, "api_assignments.get_assignment", assignment_id=record.id)


@assignments.route("/<int:assignment_id>", methods=["GET"])
@requires(READ)
@assignments.response(200, s.AssignmentOut, headers=ETAG_HEADER)
@errors(assignments, 404)
def get_assignment(assignment_id):
    """One assignment."""
    return found(get_or_404(Assignment, assignment_id, *_ASSIGNMENT))


@assignments.route("/<int:assignment_id>", methods=["PUT"])
@requires(EDIT)
@assignments.arguments(s.AssignmentIn)
@assignments.response(200, s.AssignmentOut, headers=ETAG_HEADER)
@errors(assignments, 404, 409, 412, 422, 428)
def update_assignment(values, assignment_id):
    """Change an assignment's role or period (If-Match required)."""
    record = get_or_404(Assignment, assignment_id, *_ASSIGNMENT)
    version = required_version(record)
    return found(write(service.update_assignment, actor(), record, version, **values))


@assignments.route("/<int:assignment_id>/end", methods=["POST"])
@requires(EDIT)
@assignments.arguments(s.EndIn)
@assignments.response(200, s.AssignmentOut, headers=ETAG_HEADER)
@errors(assignments, 404, 409, 412, 422, 428)
def end_assignment(values, assignment_id):
    """End an assignment: `end_on` is the first day no longer assigned (If-Match required)."""
    record = get_or_404(Assignment, assignment_id, *_ASSIGNMENT)
    version = required_version(record)
    return found(write(service.end_assignment, actor(), record, version, values["end_on"]))


@assignments.route("/<int:assignment_id>", methods=["DELETE"])
@requires(EDIT)
@assignments.response(204)
@errors(assignments, 404, 412, 428)
def delete_assignment(assignment_id):
    """Remove an assignment entered by mistake (If-Match required)."""
    record = get_or_404(Assignment, assignment_id, *_ASSIGNMENT)
    write(service.delete_assignment, actor(), record, required_version(record))
    return ""


# --- holdings -----------------------------------------------------------------------------


class HoldingArgs(PageArgs):
    employee_number = cs.Text(limits.EMPLOYEE_NUMBER_MAX_LENGTH)
    competence = cs.Text(
        catalogue_rules.COMPETENCE_CODE_MAX, metadata={"description": "Competence code."}
    )
    min_level = ma.fields.Integer(validate=cs.LEVEL)
    valid_on = ma.fields.Date(metadata={"description": "Only holdings valid on this day."})


_HOLDING = (joinedload(Holding.person), joinedload(Holding.competence))


@holdings.route("", methods=["GET"])
@requires(READ)
@holdings.arguments(HoldingArgs, location="query")
@holdings.response(200, s.HoldingOut(many=True), headers=LIST_HEADERS)
@errors(holdings, 422)
def list_holdings(args):
    """List holdings, by employee number and competence code."""
    from registry.gaps.services import valid_on

    headers = {}
    query = (
        select(Holding)
        .join(Person, Holding.person_id == Person.id)
        .join(Competence, Holding.competence_id == Competence.id)
        .options(*_HOLDING)
    )
    if args.get("employee_number"):
        query = query.where(Person.employee_number == args["employee_number"])
    if args.get("competence"):
        query = query.where(Competence.code == args["competence"])
    if args.get("min_level") is not None:
        query = query.where(Holding.level >= args["min_level"])
    if args.get("valid_on") is not None:
        query = query.where(valid_on(args["valid_on"]))
    query = query.order_by(Person.employee_number, Competence.code, Holding.id)
    return paginate(query, args, headers), 200, headers


@holdings.route("", methods=["POST"])
@requires(EDIT)
@holdings.arguments(s.HoldingCreate)
@holdings.response(201, s.HoldingOut, headers=CREATED_HEADERS)
@errors(holdings, 409, 422)
def create_holding(values):
    """Record an assessment: a person holds a competence at a level."""

    def run():
        fields = dict(values)
        person = service.person_by_number(fields.pop("employee_number"))
        code = fields.pop("competence")
        competence_id = db.session.execute(
            select(Competence.id).where(Competence.code == code)
        ).scalar_one_or_none()
        if competence_id is None:
            raise ServiceError(_("No competence has this code."), "competence")
        return service.record_holding(actor(), person, competence_id, **fields)

    record = write(run)
    return created(record, "api_holdings.get_holding", holding_id=record.id)


@holdings.route("/<int:holding_id>", methods=["GET"])
@requires(READ)
@holdings.response(200, s.HoldingOut, headers=ETAG_HEADER)
@errors(holdings, 404)
def get_holding(holding_id):
    """One holding."""
    return found(get_or_404(Holding, holding_id, *_HOLDING))


@holdings.route("/<int:holding_id>", methods=["PUT"])
@requires(EDIT)
@holdings.arguments(s.HoldingIn)
@holdings.response(200, s.HoldingOut, headers=ETAG_HEADER)
@errors(holdings, 404, 409, 412, 422, 428)
def update_holding(values, holding_id):
    """Change an assessment (If-Match required)."""
    record = get_or_404(Holding, holding_id, *_HOLDING)
    version = required_version(record)
    return found(write(service.update_holding, actor(), record, version, **values))


@holdings.route("/<int:holding_id>", methods=["DELETE"])
@requires(EDIT)
@holdings.response(204)
@errors(holdings, 404, 412, 428)
def delete_holding(holding_id):
    """Remove an assessment recorded by mistake (If-Match required)."""
    record = get_or_404(Holding, holding_id, *_HOLDING)
    write(service.delete_holding, actor(), record, required_version(record))
    return ""
