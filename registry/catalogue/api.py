"""The catalogue: providers, frameworks, competences, services and requirements.

Reads for every role; writes through `registry.catalogue.services.catalogue` (the web's validation,
audit events and optimistic locking), by editors, hard deletes
by administrators (the role table of DESIGN.md).

Why more than 400 lines: the endpoints of six resources, each a few declarative lines that
the OpenAPI document is generated from.
"""

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import actor, requires
from registry.catalogue import schemas as s
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.catalogue.rules import (
    AREA_MAX,
    COMPETENCE_CODE_MAX,
    CRITICALITIES,
    FRAMEWORK_KEY_MAX,
    NAME_MAX,
    SERVICE_CODE_MAX,
    SERVICE_STATUSES,
)
from registry.catalogue.services import catalogue
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
from registry.people import services as people_service

READ, EDIT = Permission.READ, Permission.EDIT_REGISTRY
MITIGATE, DELETE = Permission.EDIT_MITIGATIONS, Permission.DELETE_RECORDS

providers = api_blueprint("api_providers", "providers", "Service providers (dienstverleners).")
frameworks = api_blueprint(
    "api_frameworks", "frameworks", "Competence frameworks with their level labels."
)
competences = api_blueprint("api_competences", "competences", "Commissioning competences.")
services = api_blueprint("api_services", "services", "Outsourced services.")
requirements = api_blueprint(
    "api_requirements", "requirements", "What each service requires: competence, level, holders."
)
BLUEPRINTS = (providers, frameworks, competences, services, requirements)


def _with_owner(call, record_args, values: dict):
    """Resolve `owner` (an employee number) inside the transaction, then call the service."""

    def run(*args):
        fields = dict(values)
        fields["owner_id"] = people_service.person_id_by_number(fields.pop("owner", None))
        return call(*args, **fields)

    return write(run, *record_args)


def _search(query, column, value):
    return query.where(column.contains(value, autoescape=True)) if value else query


# --- providers ----------------------------------------------------------------------------


class ProviderArgs(PageArgs):
    name = cs.Text(NAME_MAX, metadata={"description": "Part of the name."})


@providers.route("", methods=["GET"])
@requires(READ)
@providers.arguments(ProviderArgs, location="query")
@providers.response(200, s.ProviderOut(many=True), headers=LIST_HEADERS)
@errors(providers, 422)
def list_providers(args):
    """List providers, by name."""
    headers = {}
    query = _search(select(Provider), Provider.name, args.get("name"))
    return paginate(query.order_by(Provider.name, Provider.id), args, headers), 200, headers


@providers.route("", methods=["POST"])
@requires(EDIT, shared=True)
@providers.arguments(s.ProviderIn)
@providers.response(201, s.ProviderOut, headers=CREATED_HEADERS)
@errors(providers, 409, 422)
def create_provider(values):
    """Add a provider."""
    record = write(catalogue.create_provider, actor(), **values)
    return created(record, "api_providers.get_provider", provider_id=record.id)


@providers.route("/<int:provider_id>", methods=["GET"])
@requires(READ)
@providers.response(200, s.ProviderOut, headers=ETAG_HEADER)
@errors(providers, 404)
def get_provider(provider_id):
    """One provider."""
    return found(get_or_404(Provider, provider_id))


@providers.route("/<int:provider_id>", methods=["PUT"])
@requires(EDIT, shared=True)
@providers.arguments(s.ProviderIn)
@providers.response(200, s.ProviderOut, headers=ETAG_HEADER)
@errors(providers, 404, 409, 412, 422, 428)
def update_provider(values, provider_id):
    """Change a provider (If-Match required)."""
    record = get_or_404(Provider, provider_id)
    version = required_version(record)
    return found(write(catalogue.update_provider, actor(), record, version, **values))


@providers.route("/<int:provider_id>", methods=["DELETE"])
@requires(DELETE, shared=True)
@providers.response(204)
@errors(providers, 404, 412, 422, 428)
def delete_provider(provider_id):
    """Delete a provider no service refers to (administrators; If-Match required)."""
    record = get_or_404(Provider, provider_id)
    write(catalogue.delete_provider, actor(), record, required_version(record))
    return ""


# --- frameworks ---------------------------------------------------------------------------


@frameworks.route("", methods=["GET"])
@requires(READ)
@frameworks.arguments(PageArgs, location="query")
@frameworks.response(200, s.FrameworkOut(many=True), headers=LIST_HEADERS)
@errors(frameworks, 422)
def list_frameworks(args):
    """List frameworks, by key."""
    headers = {}
    query = select(Framework).order_by(Framework.key, Framework.id)
    return paginate(query, args, headers), 200, headers


@frameworks.route("", methods=["POST"])
@requires(EDIT, shared=True)
@frameworks.arguments(s.FrameworkIn)
@frameworks.response(201, s.FrameworkOut, headers=CREATED_HEADERS)
@errors(frameworks, 409, 422)
def create_framework(values):
    """Add a framework."""
    record = write(catalogue.create_framework, actor(), **values)
    return created(record, "api_frameworks.get_framework", framework_id=record.id)


@frameworks.route("/<int:framework_id>", methods=["GET"])
@requires(READ)
@frameworks.response(200, s.FrameworkOut, headers=ETAG_HEADER)
@errors(frameworks, 404)
def get_framework(framework_id):
    """One framework."""
    return found(get_or_404(Framework, framework_id))


@frameworks.route("/<int:framework_id>", methods=["PUT"])
@requires(EDIT, shared=True)
@frameworks.arguments(s.FrameworkIn)
@frameworks.response(200, s.FrameworkOut, headers=ETAG_HEADER)
@errors(frameworks, 404, 409, 412, 422, 428)
def update_framework(values, framework_id):
    """Change a framework (If-Match required)."""
    record = get_or_404(Framework, framework_id)
    version = required_version(record)
    return found(write(catalogue.update_framework, actor(), record, version, **values))


@frameworks.route("/<int:framework_id>", methods=["DELETE"])
@requires(DELETE, shared=True)
@frameworks.response(204)
@errors(frameworks, 404, 412, 422, 428)
def delete_framework(framework_id):
    """Delete a framework no competence belongs to (administrators; If-Match required)."""
    record = get_or_404(Framework, framework_id)
    write(catalogue.delete_framework, actor(), record, required_version(record))
    return ""


# --- competences --------------------------------------------------------------------------


class CompetenceArgs(PageArgs):
    framework = cs.Text(FRAMEWORK_KEY_MAX, metadata={"description": "Framework key."})
    area = cs.Text(AREA_MAX)
    retired = ma.fields.Boolean(load_default=None, allow_none=True)
    q = cs.Text(200, metadata={"description": "Part of the code or name (Dutch or English)."})


_COMPETENCE = (joinedload(Competence.framework),)


@competences.route("", methods=["GET"])
@requires(READ)
@competences.arguments(CompetenceArgs, location="query")
@competences.response(200, s.CompetenceOut(many=True), headers=LIST_HEADERS)
@errors(competences, 422)
def list_competences(args):
    """List competences, by code."""
    headers = {}
    query = select(Competence).options(*_COMPETENCE)
    if args.get("framework"):
        query = query.join(Framework, Competence.framework_id == Framework.id).where(
            Framework.key == args["framework"]
        )
    if args.get("area"):
        query = query.where(Competence.area == args["area"])
    if args.get("retired") is not None:
        query = query.where(Competence.retired.is_(args["retired"]))
    if args.get("q"):
        pattern = args["q"]
        query = query.where(
            Competence.code.contains(pattern, autoescape=True)
            | Competence.name.contains(pattern, autoescape=True)
            | Competence.name_en.contains(pattern, autoescape=True)
        )
    query = query.order_by(Competence.code, Competence.id)
    return paginate(query, args, headers), 200, headers


@competences.route("", methods=["POST"])
@requires(EDIT, shared=True)
@competences.arguments(s.CompetenceIn)
@competences.response(201, s.CompetenceOut, headers=CREATED_HEADERS)
@errors(competences, 409, 422)
def create_competence(values):
    """Add a competence."""
    record = write(catalogue.create_competence, actor(), **values)
    return created(record, "api_competences.get_competence", code=record.code)


@competences.route("/<code>", methods=["GET"])
@requires(READ)
@competences.response(200, s.CompetenceOut, headers=ETAG_HEADER)
@errors(competences, 404)
def get_competence(code):
    """One competence, by code."""
    return found(by_key(Competence, Competence.code, code, *_COMPETENCE))


@competences.route("/<code>", methods=["PUT"])
@requires(EDIT, shared=True)
@competences.arguments(s.CompetenceIn)
@competences.response(200, s.CompetenceOut, headers=ETAG_HEADER)
@errors(competences, 404, 409, 412, 422, 428)
def update_competence(values, code):
    """Change a competence; `retired: true` retires it (If-Match required)."""
    record = by_key(Competence, Competence.code, code, *_COMPETENCE)
    version = required_version(record)
    return found(write(catalogue.update_competence, actor(), record, version, **values))


@competences.route("/<code>", methods=["DELETE"])
@requires(DELETE, shared=True)
@competences.response(204)
@errors(competences, 404, 412, 422, 428)
def delete_competence(code):
    """Delete a competence nothing refers to (administrators; If-Match required)."""
    record = by_key(Competence, Competence.code, code)
    write(catalogue.delete_competence, actor(), record, required_version(record))
    return ""


# --- services -----------------------------------------------------------------------------


class ServiceArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(SERVICE_STATUSES))
    criticality = ma.fields.String(validate=ma.validate.OneOf(CRITICALITIES))
    provider_id = cs.Id()
    q = cs.Text(200, metadata={"description": "Part of the code or name."})


_SERVICE = (joinedload(Service.provider), joinedload(Service.owner))


@services.route("", methods=["GET"])
@requires(READ)
@services.arguments(ServiceArgs, location="query")
@services.response(200, s.ServiceOut(many=True), headers=LIST_HEADERS)
@errors(services, 422)
def list_services(args):
    """List services, by code."""
    headers = {}
    query = select(Service).options(*_SERVICE)
    for name in ("status", "criticality", "provider_id"):
        if args.get(name) is not None:
            query = query.where(getattr(Service, name) == args[name])
    if args.get("q"):
        query = query.where(
            Service.code.contains(args["q"], autoescape=True)
            | Service.name.contains(args["q"], autoescape=True)
        )
    query = query.order_by(Service.code, Service.id)
    return paginate(query, args, headers), 200, headers


@services.route("", methods=["POST"])
@requires(EDIT)
@services.arguments(s.ServiceIn)
@services.response(201, s.ServiceOut, headers=CREATED_HEADERS)
@errors(services, 409, 422)
def create_service(values):
    """Add a service."""
    record = _with_owner(catalogue.create_service, (actor(),), values)
    return created(record, "api_services.get_service", code=record.code)


@services.route("/<code>", methods=["GET"])
@requires(READ)
@services.response(200, s.ServiceOut, headers=ETAG_HEADER)
@errors(services, 404)
def get_service(code):
    """One service, by code."""
    return found(by_key(Service, Service.code, code, *_SERVICE))


@services.route("/<code>", methods=["PUT"])
@requires(EDIT)
@services.arguments(s.ServiceIn)
@services.response(200, s.ServiceOut, headers=ETAG_HEADER)
@errors(services, 404, 409, 412, 422, 428)
def update_service(values, code):
    """Change a service; `status: retired` retires it (If-Match required)."""
    record = by_key(Service, Service.code, code, *_SERVICE)
    version = required_version(record)
    return found(_with_owner(catalogue.update_service, (actor(), record, version), values))


@services.route("/<code>", methods=["DELETE"])
@requires(DELETE)
@services.response(204)
@errors(services, 404, 412, 422, 428)
def delete_service(code):
    """Delete a service nothing refers to (administrators; If-Match required)."""
    record = by_key(Service, Service.code, code)
    write(catalogue.delete_service, actor(), record, required_version(record))
    return ""


# --- requirements -------------------------------------------------------------------------


class RequirementArgs(PageArgs):
    service = cs.Text(SERVICE_CODE_MAX, metadata={"description": "Service code."})
    competence = cs.Text(COMPETENCE_CODE_MAX, metadata={"description": "Competence code."})


_REQUIREMENT = (joinedload(Requirement.service), joinedload(Requirement.competence))


def _competence_id(code: str) -> int:
    found_id = db.session.execute(
        select(Competence.id).where(Competence.code == code)
    ).scalar_one_or_none()
    if found_id is None:
        raise ServiceError(_("No competence has this code."), "competence")
    return found_id


@requirements.route("", methods=["GET"])
@requires(READ)
@requirements.arguments(RequirementArgs, location="query")
@requirements.response(200, s.RequirementOut(many=True), headers=LIST_HEADERS)
@errors(requirements, 422)
def list_requirements(args):
    """List requirements, by service code and competence code."""
    headers = {}
    query = (
        select(Requirement)
        .join(Service, Requirement.service_id == Service.id)
        .join(Competence, Requirement.competence_id == Competence.id)
        .options(*_REQUIREMENT)
    )
    if args.get("service"):
        query = query.where(Service.code == args["service"])
    if args.get("competence"):
        query = query.where(Competence.code == args["competence"])
    query = query.order_by(Service.code, Competence.code, Requirement.id)
    return paginate(query, args, headers), 200, headers


@requirements.route("", methods=["POST"])
@requires(EDIT)
@requirements.arguments(s.RequirementCreate)
@requirements.response(201, s.RequirementOut, headers=CREATED_HEADERS)
@errors(requirements, 409, 422)
def create_requirement(values):
    """Require a competence for a service."""

    def run():
        service = db.session.execute(
            select(Service).where(Service.code == values["service"])
        ).scalar_one_or_none()
        if service is None:
            raise ServiceError(_("No service has this code."), "service")
        fields = {k: v for k, v in values.items() if k not in ("service", "competence")}
        return catalogue.create_requirement(
            actor(), service, competence_id=_competence_id(values["competence"]), **fields
        )

    record = write(run)
    return created(record, "api_requirements.get_requirement", requirement_id=record.id)


@requirements.route("/<int:requirement_id>", methods=["GET"])
@requires(READ)
@requirements.response(200, s.RequirementOut, headers=ETAG_HEADER)
@errors(requirements, 404)
def get_requirement(requirement_id):
    """One requirement."""
    return found(get_or_404(Requirement, requirement_id, *_REQUIREMENT))


@requirements.route("/<int:requirement_id>", methods=["PUT"])
@requires(EDIT)
@requirements.arguments(s.RequirementIn)
@requirements.response(200, s.RequirementOut, headers=ETAG_HEADER)
@errors(requirements, 404, 409, 412, 422, 428)
def update_requirement(values, requirement_id):
    """Change a requirement's competence, level, holders or rationale (If-Match required)."""
    record = get_or_404(Requirement, requirement_id, *_REQUIREMENT)
    version = required_version(record)

    def run():
        fields = {k: v for k, v in values.items() if k != "competence"}
        return catalogue.update_requirement(
            actor(), record, version, competence_id=_competence_id(values["competence"]), **fields
        )

    return found(write(run))


@requirements.route("/<int:requirement_id>", methods=["DELETE"])
@requires(EDIT)
@requirements.response(204)
@errors(requirements, 404, 412, 422, 428)
def delete_requirement(requirement_id):
    """Remove a requirement and its mitigations (If-Match required)."""
    record = get_or_404(Requirement, requirement_id, *_REQUIREMENT)
    write(catalogue.delete_requirement, actor(), record, required_version(record))
    return ""
