"""Mitigations: a manager's answer to a gap. Reads for every role; writes through the
mitigations' service (the web's validation, audit events and optimistic locking), by editors
and managers (the role table of DESIGN.md)."""

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import actor, requires
from registry.catalogue import rules as catalogue_rules
from registry.catalogue.models.services import Requirement, Service
from registry.core import schemas as cs
from registry.core.api import (
    CREATED_HEADERS,
    ETAG_HEADER,
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
from registry.mitigations import schemas as s
from registry.mitigations import services as mitigation_service
from registry.mitigations.models import MITIGATION_KINDS, MITIGATION_STATUSES, Mitigation
from registry.people import services as people_service

READ, MITIGATE = Permission.READ, Permission.EDIT_MITIGATIONS

mitigations = api_blueprint(
    "api_mitigations", "mitigations", "Mitigations: a manager's answer to a gap."
)
BLUEPRINTS = (mitigations,)


def _with_owner(call, record_args, values: dict):
    """Resolve `owner` (an employee number) inside the transaction, then call the service."""

    def run(*args):
        fields = dict(values)
        fields["owner_id"] = people_service.person_id_by_number(fields.pop("owner", None))
        return call(*args, **fields)

    return write(run, *record_args)


# --- mitigations --------------------------------------------------------------------------


class MitigationArgs(PageArgs):
    requirement_id = cs.Id()
    service = cs.Text(catalogue_rules.SERVICE_CODE_MAX, metadata={"description": "Service code."})
    status = ma.fields.String(validate=ma.validate.OneOf(MITIGATION_STATUSES))
    kind = ma.fields.String(validate=ma.validate.OneOf(MITIGATION_KINDS))


_MITIGATION = (
    joinedload(Mitigation.requirement).joinedload(Requirement.service),
    joinedload(Mitigation.requirement).joinedload(Requirement.competence),
    joinedload(Mitigation.owner),
)


@mitigations.route("", methods=["GET"])
@requires(READ)
@mitigations.arguments(MitigationArgs, location="query")
@mitigations.response(200, s.MitigationOut(many=True), headers=LIST_HEADERS)
@errors(mitigations, 422)
def list_mitigations(args):
    """List mitigations, oldest first."""
    headers = {}
    query = select(Mitigation).options(*_MITIGATION)
    for name in ("requirement_id", "status", "kind"):
        if args.get(name) is not None:
            query = query.where(getattr(Mitigation, name) == args[name])
    if args.get("service"):
        query = query.where(
            Mitigation.requirement_id.in_(
                select(Requirement.id)
                .join(Service, Requirement.service_id == Service.id)
                .where(Service.code == args["service"])
            )
        )
    query = query.order_by(Mitigation.id)
    return paginate(query, args, headers), 200, headers


@mitigations.route("", methods=["POST"])
@requires(MITIGATE)
@mitigations.arguments(s.MitigationCreate)
@mitigations.response(201, s.MitigationOut, headers=CREATED_HEADERS)
@errors(mitigations, 409, 422)
def create_mitigation(values):
    """Plan a mitigation for a requirement."""

    def run():
        fields = dict(values)
        requirement = db.session.get(Requirement, fields.pop("requirement_id"))
        if requirement is None:
            raise ServiceError(_("This requirement does not exist."), "requirement_id")
        fields["owner_id"] = people_service.person_id_by_number(fields.pop("owner", None))
        return mitigation_service.create_mitigation(actor(), requirement, **fields)

    record = write(run)
    return created(record, "api_mitigations.get_mitigation", mitigation_id=record.id)


@mitigations.route("/<int:mitigation_id>", methods=["GET"])
@requires(READ)
@mitigations.response(200, s.MitigationOut, headers=ETAG_HEADER)
@errors(mitigations, 404)
def get_mitigation(mitigation_id):
    """One mitigation."""
    return found(get_or_404(Mitigation, mitigation_id, *_MITIGATION))


@mitigations.route("/<int:mitigation_id>", methods=["PUT"])
@requires(MITIGATE)
@mitigations.arguments(s.MitigationIn)
@mitigations.response(200, s.MitigationOut, headers=ETAG_HEADER)
@errors(mitigations, 404, 409, 412, 422, 428)
def update_mitigation(values, mitigation_id):
    """Change a mitigation; status `done` or `cancelled` ends it (If-Match required)."""
    record = get_or_404(Mitigation, mitigation_id, *_MITIGATION)
    version = required_version(record)
    return found(
        _with_owner(mitigation_service.update_mitigation, (actor(), record, version), values)
    )
