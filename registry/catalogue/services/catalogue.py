"""Maintaining the catalogue: providers, services, requirements, frameworks and competences.

Every use case checks its input (`core.checks`), changes the records, flushes and records an
audit event in the caller's transaction (`audit.services.writes`); the caller commits. Refused
input raises `ServiceError(message, field)`, a change over someone else's newer version raises
`StaleRecord`.

History is never lost silently: a record that other records still refer to cannot be deleted
(services and competences are retired instead), and every delete is audited with the values it
removed. Deleting a requirement deletes its mitigations first, each audited, through the
mitigations' service (`registry.mitigations.services`, where mitigations are planned and
changed).

Why one module of more than 400 lines: five small aggregates sharing the same steps (the
reference and uniqueness checks, the code rules) and the reads of their lists and choices (at
the end). Splitting it into a package like `services/people/` is the next step when it grows.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from registry.audit.services import audit, writes
from registry.catalogue.models.competences import LEVELS, Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.catalogue.rules import (
    AREA_MAX,
    COMPETENCE_CODE,
    COMPETENCE_CODE_MAX,
    CRITICALITIES,
    FRAMEWORK_KEY_MAX,
    LEVEL_LABEL_MAX,
    MAX_HOLDERS,
    NAME_MAX,
    PROVIDER_KINDS,
    RESERVED_COMPETENCE_CODES,
    RESERVED_SERVICE_CODES,
    SERVICE_CODE,
    SERVICE_CODE_MAX,
    SERVICE_STATUSES,
)
from registry.core import checks
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.core.limits import MAX_TEXT_LENGTH
from registry.core.lists import contains, counts_by
from registry.gaps.rules.gaps import ANALYSED_SERVICE_STATUSES
from registry.mitigations import services as mitigations
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

# The import's code rules, so that codes from a form and from a file work alike as page
# addresses; reserved words are pages of their own under /services/ and /competences/.

SERVICE_CODE_MESSAGE = _l(
    "Use only lowercase letters, digits and hyphens (for example zaaksysteem-dimpact)."
)
COMPETENCE_CODE_MESSAGE = _l(
    "Use letters, digits, dots, hyphens and underscores, without spaces (for example CM-01)."
)
FRAMEWORK_KEY_MESSAGE = _l(
    "Use letters, digits, dots, hyphens and underscores, without spaces (for example e-cf-4)."
)


# --- shared steps (the value checks are `core.checks`, the audited writes `audit.writes`) --


def _refuse_if_referenced(references: list[tuple[str, int]], name: str) -> None:
    if any(count for _label, count in references):
        raise ServiceError(
            _l("%(name)s cannot be deleted while other records refer to it.", name=name)
        )


def _count(model, column, value) -> int:
    return db.session.execute(
        select(func.count()).select_from(model).where(column == value)
    ).scalar_one()


def _taken(column, value: str, model, exclude_id: int | None) -> bool:
    """Whether another record already uses `value` (compared without regard to case)."""
    query = select(model.id).where(func.lower(column) == value.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


# --- providers ----------------------------------------------------------------------------


def _provider_values(fields: dict, provider: Provider | None) -> dict:
    name = checks.required(fields.get("name"), "name", NAME_MAX)
    if _taken(Provider.name, name, Provider, provider.id if provider else None):
        raise ServiceError(_l("A provider named %(name)s already exists.", name=name), "name")
    kind = checks.choice(fields.get("kind"), PROVIDER_KINDS, "kind", optional=True)
    return {"name": name, "kind": kind}


def create_provider(actor: audit.Actor, **fields) -> Provider:
    """Add a provider (name unique)."""
    return writes.create(actor, "provider", Provider(**_provider_values(fields, None)))


def update_provider(actor: audit.Actor, provider: Provider, version, **fields) -> Provider:
    """Change a provider's name or kind."""
    ensure_version(provider, version)
    return writes.update(actor, "update", "provider", provider, _provider_values(fields, provider))


def provider_references(provider: Provider) -> list[tuple[str, int]]:
    """What still refers to this provider, as (label, count)."""
    return [(_l("Services"), _count(Service, Service.provider_id, provider.id))]


def delete_provider(actor: audit.Actor, provider: Provider, version) -> None:
    """Delete a provider no service refers to."""
    ensure_version(provider, version)
    _refuse_if_referenced(provider_references(provider), provider.name)
    writes.delete(actor, "provider", provider)


# --- services -----------------------------------------------------------------------------


def _service_values(fields: dict, service: Service | None) -> dict:
    code = checks.required(fields.get("code"), "code", SERVICE_CODE_MAX)
    if not SERVICE_CODE.match(code):
        raise ServiceError(SERVICE_CODE_MESSAGE, "code")
    if code in RESERVED_SERVICE_CODES:
        raise ServiceError(
            _l("%(code)s is a reserved word; choose another code.", code=code), "code"
        )
    if _taken(Service.code, code, Service, service.id if service else None):
        raise ServiceError(_l("Another service already has the code %(code)s.", code=code), "code")
    provider = checks.existing(
        Provider, fields.get("provider_id"), "provider_id", _l("This provider no longer exists.")
    )
    owner = checks.existing(
        Person, fields.get("owner_id"), "owner_id", _l("This person no longer exists.")
    )
    start, end = fields.get("contract_start"), fields.get("contract_end")
    checks.dates_in_order(
        start, end, "contract_end", _l("The contract cannot end before it starts.")
    )
    return {
        "code": code,
        "name": checks.required(fields.get("name"), "name", NAME_MAX),
        "provider_id": provider.id if provider else None,
        "owner_id": owner.id if owner else None,
        "criticality": checks.choice(fields.get("criticality"), CRITICALITIES, "criticality"),
        "status": checks.choice(fields.get("status"), SERVICE_STATUSES, "status"),
        "contract_start": start,
        "contract_end": end,
        "description": checks.optional(fields.get("description"), "description", MAX_TEXT_LENGTH),
    }


def create_service(actor: audit.Actor, **fields) -> Service:
    """Add an outsourced service."""
    return writes.create(actor, "service", Service(**_service_values(fields, None)))


def update_service(actor: audit.Actor, service: Service, version, **fields) -> Service:
    """Change a service; a new code must be unique too."""
    ensure_version(service, version)
    return writes.update(actor, "update", "service", service, _service_values(fields, service))


def retire_service(actor: audit.Actor, service: Service, version) -> Service:
    """Retire a service: kept with its history, no longer analysed."""
    ensure_version(service, version)
    return writes.update(actor, "retire", "service", service, {"status": "retired"})


def service_references(service: Service) -> list[tuple[str, int]]:
    """What still refers to this service, as (label, count)."""
    return [
        (_l("Requirements"), _count(Requirement, Requirement.service_id, service.id)),
        (_l("Assignments"), _count(Assignment, Assignment.service_id, service.id)),
    ]


def delete_service(actor: audit.Actor, service: Service, version) -> None:
    """Delete a service nothing refers to any more."""
    ensure_version(service, version)
    _refuse_if_referenced(service_references(service), service.code)
    writes.delete(actor, "service", service)


# --- requirements -------------------------------------------------------------------------


def _requirement_values(fields: dict, service: Service, requirement: Requirement | None) -> dict:
    competence = checks.existing(
        Competence,
        fields.get("competence_id"),
        "competence_id",
        _l("This competence no longer exists."),
    )
    if competence is None:
        raise ServiceError(_l("This field is required."), "competence_id")
    unchanged = requirement is not None and requirement.competence_id == competence.id
    if competence.retired and not unchanged:
        raise ServiceError(
            _l("%(code)s is retired and cannot be required anew.", code=competence.code),
            "competence_id",
        )
    duplicate = select(Requirement.id).where(
        Requirement.service_id == service.id, Requirement.competence_id == competence.id
    )
    if requirement is not None:
        duplicate = duplicate.where(Requirement.id != requirement.id)
    if db.session.execute(duplicate.limit(1)).first() is not None:
        raise ServiceError(
            _l(
                "%(service)s already requires %(code)s; edit that requirement instead.",
                service=service.code,
                code=competence.code,
            ),
            "competence_id",
        )
    level = fields.get("required_level")
    if level not in LEVELS:
        raise ServiceError(_l("Choose a level from 1 to 5."), "required_level")
    holders = fields.get("min_holders")
    if holders is None or not 1 <= holders <= MAX_HOLDERS:
        raise ServiceError(_l("Enter a number from 1 to %(max)s.", max=MAX_HOLDERS), "min_holders")
    return {
        "service_id": service.id,
        "competence_id": competence.id,
        "required_level": level,
        "min_holders": holders,
        "rationale": checks.optional(fields.get("rationale"), "rationale", MAX_TEXT_LENGTH),
    }


def create_requirement(actor: audit.Actor, service: Service, **fields) -> Requirement:
    """Require a competence for a service (once per service)."""
    return writes.create(
        actor, "requirement", Requirement(**_requirement_values(fields, service, None))
    )


def update_requirement(
    actor: audit.Actor, requirement: Requirement, version, **fields
) -> Requirement:
    """Change a requirement's competence, level, number of holders or rationale."""
    ensure_version(requirement, version)
    return writes.update(
        actor,
        "update",
        "requirement",
        requirement,
        _requirement_values(fields, requirement.service, requirement),
    )


def delete_requirement(actor: audit.Actor, requirement: Requirement, version) -> None:
    """Remove a requirement; its mitigations go with it, each audited with its values."""
    ensure_version(requirement, version)
    mitigations.delete_requirement_mitigations(actor, requirement)
    writes.delete(actor, "requirement", requirement)


# --- frameworks ---------------------------------------------------------------------------


def _framework_values(fields: dict, framework: Framework | None) -> dict:
    exclude = framework.id if framework else None
    key = checks.required(fields.get("key"), "key", FRAMEWORK_KEY_MAX)
    if not COMPETENCE_CODE.match(key):
        raise ServiceError(FRAMEWORK_KEY_MESSAGE, "key")
    if _taken(Framework.key, key, Framework, exclude):
        raise ServiceError(_l("Another framework already has the key %(key)s.", key=key), "key")
    name = checks.required(fields.get("name"), "name", NAME_MAX)
    if _taken(Framework.name, name, Framework, exclude):
        raise ServiceError(_l("A framework named %(name)s already exists.", name=name), "name")
    values = {
        "key": key,
        "name": name,
        "description": checks.optional(fields.get("description"), "description", MAX_TEXT_LENGTH),
        **_english(fields, framework),
    }
    for level in LEVELS:
        values[f"label_{level}"] = checks.optional(
            fields.get(f"label_{level}"), f"label_{level}", LEVEL_LABEL_MAX
        )
    return values


def _english(fields: dict, record) -> dict:
    """The optional English name and description; a caller that does not name them (an older
    API client) leaves the stored ones as they are."""
    values = {}
    for name, length in (("name_en", NAME_MAX), ("description_en", MAX_TEXT_LENGTH)):
        if name in fields:
            values[name] = checks.optional(fields[name], name, length)
        elif record is None:
            values[name] = None
    return values


def create_framework(actor: audit.Actor, **fields) -> Framework:
    """Add a competence framework with its own names for levels 1–5."""
    return writes.create(actor, "framework", Framework(**_framework_values(fields, None)))


def update_framework(actor: audit.Actor, framework: Framework, version, **fields) -> Framework:
    """Change a framework's key, name, description or level labels."""
    ensure_version(framework, version)
    return writes.update(
        actor, "update", "framework", framework, _framework_values(fields, framework)
    )


def framework_references(framework: Framework) -> list[tuple[str, int]]:
    """What still refers to this framework, as (label, count)."""
    return [(_l("Competences"), _count(Competence, Competence.framework_id, framework.id))]


def delete_framework(actor: audit.Actor, framework: Framework, version) -> None:
    """Delete a framework no competence belongs to."""
    ensure_version(framework, version)
    _refuse_if_referenced(framework_references(framework), framework.name)
    writes.delete(actor, "framework", framework)


# --- competences --------------------------------------------------------------------------


def _competence_values(fields: dict, competence: Competence | None) -> dict:
    code = checks.required(fields.get("code"), "code", COMPETENCE_CODE_MAX)
    if not COMPETENCE_CODE.match(code):
        raise ServiceError(COMPETENCE_CODE_MESSAGE, "code")
    if code.lower() in RESERVED_COMPETENCE_CODES:
        raise ServiceError(
            _l("%(code)s is a reserved word; choose another code.", code=code), "code"
        )
    if _taken(Competence.code, code, Competence, competence.id if competence else None):
        raise ServiceError(
            _l("Another competence already has the code %(code)s.", code=code), "code"
        )
    framework = checks.existing(
        Framework,
        fields.get("framework_id"),
        "framework_id",
        _l("This framework no longer exists."),
    )
    return {
        "code": code,
        "name": checks.required(fields.get("name"), "name", NAME_MAX),
        "framework_id": framework.id if framework else None,
        "area": checks.optional(fields.get("area"), "area", AREA_MAX),
        "description": checks.optional(fields.get("description"), "description", MAX_TEXT_LENGTH),
        **_english(fields, competence),
        "retired": bool(fields.get("retired")),
    }


def create_competence(actor: audit.Actor, **fields) -> Competence:
    """Add a competence to the catalogue."""
    return writes.create(actor, "competence", Competence(**_competence_values(fields, None)))


def update_competence(actor: audit.Actor, competence: Competence, version, **fields) -> Competence:
    """Change a competence; a new code must be unique too."""
    ensure_version(competence, version)
    return writes.update(
        actor, "update", "competence", competence, _competence_values(fields, competence)
    )


def retire_competence(actor: audit.Actor, competence: Competence, version) -> Competence:
    """Retire a competence: kept for history, no longer required or analysed."""
    ensure_version(competence, version)
    return writes.update(actor, "retire", "competence", competence, {"retired": True})


def competence_references(competence: Competence) -> list[tuple[str, int]]:
    """What still refers to this competence, as (label, count)."""
    return [
        (_l("Requirements"), _count(Requirement, Requirement.competence_id, competence.id)),
        (_l("Holdings"), _count(Holding, Holding.competence_id, competence.id)),
    ]


def delete_competence(actor: audit.Actor, competence: Competence, version) -> None:
    """Delete a competence nothing refers to."""
    ensure_version(competence, version)
    _refuse_if_referenced(competence_references(competence), competence.code)
    writes.delete(actor, "competence", competence)


# --- reads for lists and choices ------------------------------------------------------------


def services_query(text: str = "", status: str | None = None) -> Select:
    """Services with provider and owner, by name; `text` in code, name or provider name."""
    query = (
        select(Service)
        .outerjoin(Service.provider)
        .options(joinedload(Service.provider), joinedload(Service.owner))
        .order_by(Service.name, Service.code)
    )
    if text:
        query = query.where(contains(text, Service.code, Service.name, Provider.name))
    if status in SERVICE_STATUSES:
        query = query.where(Service.status == status)
    return query


def providers_query(text: str = "") -> Select:
    """Providers by name; `text` in the name."""
    query = select(Provider).order_by(Provider.name)
    if text:
        query = query.where(contains(text, Provider.name))
    return query


def services_per_provider(provider_ids: list[int]) -> dict[int, int]:
    """How many services each provider has (one query)."""
    return counts_by(Service.provider_id, provider_ids)


def competences_query(text: str = "", state: str | None = None) -> Select:
    """Competences with framework, by code; `text` in code, name (Dutch or English), area or
    framework name; `state` "in_use" or "retired"."""
    query = (
        select(Competence)
        .outerjoin(Competence.framework)
        .options(joinedload(Competence.framework))
        .order_by(Competence.code)
    )
    if text:
        query = query.where(
            contains(
                text,
                Competence.code,
                Competence.name,
                Competence.name_en,
                Competence.area,
                Framework.name,
                Framework.name_en,
            )
        )
    if state == "in_use":
        query = query.where(Competence.retired.is_(False))
    elif state == "retired":
        query = query.where(Competence.retired.is_(True))
    return query


def frameworks_query(text: str = "") -> Select:
    """Frameworks by name; `text` in name (Dutch or English) or key."""
    query = select(Framework).order_by(Framework.name)
    if text:
        query = query.where(contains(text, Framework.name, Framework.name_en, Framework.key))
    return query


def competences_per_framework(framework_ids: list[int]) -> dict[int, int]:
    """How many competences each framework has (one query)."""
    return counts_by(Competence.framework_id, framework_ids)


def service_by_code(code: str) -> Service | None:
    return db.session.execute(select(Service).where(Service.code == code)).scalar_one_or_none()


def competence_by_code(code: str) -> Competence | None:
    return db.session.execute(
        select(Competence).where(Competence.code == code)
    ).scalar_one_or_none()


def competence_by_id(competence_id: int | None) -> Competence | None:
    return db.session.get(Competence, competence_id) if competence_id else None


def requirement_of(service: Service, requirement_id: int) -> Requirement | None:
    """The requirement `requirement_id` if it belongs to `service`."""
    return db.session.execute(
        select(Requirement).where(
            Requirement.id == requirement_id, Requirement.service_id == service.id
        )
    ).scalar_one_or_none()


def provider_names() -> list[tuple[int, str]]:
    """(id, name) of every provider, by name: the provider choices."""
    return list(db.session.execute(select(Provider.id, Provider.name).order_by(Provider.name)))


def framework_names() -> list[tuple[int, str, str | None]]:
    """(id, name, English name) of every framework, by name: the framework choices."""
    return list(
        db.session.execute(
            select(Framework.id, Framework.name, Framework.name_en).order_by(Framework.name)
        )
    )


def competence_options(current: Competence | None = None, by_framework: bool = True):
    """Competences that can be chosen (not retired, plus `current`): rows of (id, code, name,
    retired, framework name, English name, English framework name), grouped by framework name
    (or by code)."""
    query = (
        select(
            Competence.id,
            Competence.code,
            Competence.name,
            Competence.retired,
            Framework.name,
            Competence.name_en,
            Framework.name_en,
        )
        .outerjoin(Framework, Competence.framework_id == Framework.id)
        .where(
            or_(Competence.retired.is_(False), Competence.id == (current.id if current else None))
        )
    )
    if by_framework:
        query = query.order_by(Framework.name.is_(None), Framework.name, Competence.code)
    else:
        query = query.order_by(Competence.code)
    return db.session.execute(query).all()


def service_options(current: Service | None = None):
    """Services people can be assigned to (planned and active, plus `current`): rows of (id,
    code, name, status), by name."""
    return db.session.execute(
        select(Service.id, Service.code, Service.name, Service.status)
        .where(
            or_(
                Service.status.in_(ANALYSED_SERVICE_STATUSES),
                Service.id == (current.id if current else None),
            )
        )
        .order_by(Service.name)
    ).all()
