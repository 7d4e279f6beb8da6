"""The API schemas of the catalogue: providers, frameworks, competences, services and
requirements."""

import marshmallow as ma
from marshmallow import validate

from registry.catalogue.rules import (
    AREA_MAX,
    COMPETENCE_CODE_MAX,
    CRITICALITIES,
    FRAMEWORK_KEY_MAX,
    LEVEL_LABEL_MAX,
    MAX_HOLDERS,
    NAME_MAX,
    PROVIDER_KINDS,
    SERVICE_CODE_MAX,
    SERVICE_STATUSES,
)
from registry.core import limits
from registry.core.schemas import (
    LEVEL,
    LONG_TEXT,
    Choice,
    Date,
    Id,
    Key,
    Record,
    Strict,
    StrictBoolean,
    Text,
)

# --- providers, frameworks, competences -----------------------------------------------------


class ProviderIn(Strict):
    name = Text(NAME_MAX, "Dimpact", required=True, allow_none=False)
    kind = Choice(PROVIDER_KINDS, "cooperative", allow_none=True, load_default=None)


class ProviderOut(Record):
    name = ma.fields.String(metadata={"example": "Dimpact"})
    kind = ma.fields.String(allow_none=True, metadata={"example": "cooperative"})


# The English name and description of frameworks and competences: optional; left out of a
# PUT, the stored ones are kept (clients written before they existed change nothing).
ENGLISH = "In English, shown to users who chose English; left out: kept as stored."


class FrameworkIn(Strict):
    key = Text(FRAMEWORK_KEY_MAX, "e-cf-4", required=True, allow_none=False)
    name = Text(NAME_MAX, "e-CF 4.0", required=True, allow_none=False)
    description = Text(LONG_TEXT, load_default=None)
    name_en = Text(NAME_MAX, "e-CF 4.0", metadata={"description": ENGLISH})
    description_en = Text(LONG_TEXT, metadata={"description": ENGLISH})
    label_1 = Text(LEVEL_LABEL_MAX, "aware", load_default=None)
    label_2 = Text(LEVEL_LABEL_MAX, load_default=None)
    label_3 = Text(LEVEL_LABEL_MAX, load_default=None)
    label_4 = Text(LEVEL_LABEL_MAX, load_default=None)
    label_5 = Text(LEVEL_LABEL_MAX, load_default=None)


class FrameworkOut(Record):
    key = ma.fields.String(metadata={"example": "e-cf-4"})
    name = ma.fields.String(metadata={"example": "e-CF 4.0"})
    description = ma.fields.String(allow_none=True)
    name_en = ma.fields.String(allow_none=True, metadata={"example": "e-CF 4.0"})
    description_en = ma.fields.String(allow_none=True)
    label_1 = ma.fields.String(allow_none=True, metadata={"example": "aware"})
    label_2 = ma.fields.String(allow_none=True)
    label_3 = ma.fields.String(allow_none=True)
    label_4 = ma.fields.String(allow_none=True)
    label_5 = ma.fields.String(allow_none=True)


class CompetenceIn(Strict):
    code = Text(COMPETENCE_CODE_MAX, "CM-01", required=True, allow_none=False)
    name = Text(NAME_MAX, "Contractmanagement", required=True, allow_none=False)
    name_en = Text(NAME_MAX, "Contract management", metadata={"description": ENGLISH})
    framework_id = Id(load_default=None)
    area = Text(AREA_MAX, "Regie", load_default=None)
    description = Text(LONG_TEXT, load_default=None)
    description_en = Text(LONG_TEXT, metadata={"description": ENGLISH})
    retired = StrictBoolean(load_default=False, metadata={"example": False})


class CompetenceOut(Record):
    code = ma.fields.String(metadata={"example": "CM-01"})
    name = ma.fields.String(metadata={"example": "Contractmanagement"})
    name_en = ma.fields.String(allow_none=True, metadata={"example": "Contract management"})
    framework_id = ma.fields.Integer(allow_none=True)
    framework = ma.fields.Function(
        lambda c: c.framework.key if c.framework else None,
        allow_none=True,
        metadata={"example": "e-cf-4"},
    )
    area = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    description_en = ma.fields.String(allow_none=True)
    retired = ma.fields.Boolean(metadata={"example": False})


# --- services and requirements --------------------------------------------------------------


class ServiceIn(Strict):
    code = Text(SERVICE_CODE_MAX, "zaaksysteem-dimpact", required=True, allow_none=False)
    name = Text(NAME_MAX, "Zaaksysteem", required=True, allow_none=False)
    provider_id = Id(load_default=None)
    owner = Text(
        limits.EMPLOYEE_NUMBER_MAX_LENGTH,
        "P0001",
        load_default=None,
        metadata={"description": "Employee number."},
    )
    criticality = Choice(CRITICALITIES, "high", load_default="medium")
    status = Choice(SERVICE_STATUSES, "active", load_default="active")
    contract_start = Date("2024-01-01", load_default=None)
    contract_end = Date("2027-12-31", load_default=None)
    description = Text(LONG_TEXT, load_default=None)


class ServiceOut(Record):
    code = ma.fields.String(metadata={"example": "zaaksysteem-dimpact"})
    name = ma.fields.String(metadata={"example": "Zaaksysteem"})
    provider_id = ma.fields.Integer(allow_none=True)
    provider = ma.fields.Function(
        lambda s: s.provider.name if s.provider else None,
        allow_none=True,
        metadata={"example": "Dimpact"},
    )
    owner = ma.fields.Function(
        lambda s: s.owner.employee_number if s.owner else None,
        allow_none=True,
        metadata={"example": "P0001"},
    )
    criticality = ma.fields.String(metadata={"example": "high"})
    status = ma.fields.String(metadata={"example": "active"})
    contract_start = ma.fields.Date(allow_none=True)
    contract_end = ma.fields.Date(allow_none=True)
    description = ma.fields.String(allow_none=True)


class RequirementIn(Strict):
    competence = Key(COMPETENCE_CODE_MAX, "CM-01")
    required_level = ma.fields.Integer(load_default=3, validate=LEVEL, metadata={"example": 3})
    min_holders = ma.fields.Integer(
        load_default=2, validate=validate.Range(min=1, max=MAX_HOLDERS), metadata={"example": 2}
    )
    rationale = Text(LONG_TEXT, load_default=None)


class RequirementCreate(RequirementIn):
    service = Key(SERVICE_CODE_MAX, "zaaksysteem-dimpact")


class RequirementOut(Record):
    service = ma.fields.Function(lambda r: r.service.code, metadata={"example": "zaaksysteem"})
    competence = ma.fields.Function(lambda r: r.competence.code, metadata={"example": "CM-01"})
    required_level = ma.fields.Integer(metadata={"example": 3})
    min_holders = ma.fields.Integer(metadata={"example": 2})
    rationale = ma.fields.String(allow_none=True)
