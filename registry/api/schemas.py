"""Request and response schemas of the API (marshmallow; flask-smorest turns them into the
OpenAPI document). Every text has a maximum length and refuses characters no database stores.

Why more than 400 lines: the schemas of every resource, one place for the contract.
"""

import marshmallow as ma
from marshmallow import validate

from registry.core import periods
from registry.core.schemas import (
    LEVEL,
    LONG_TEXT,
    Choice,
    Date,
    Id,
    Key,
    Out,
    Record,
    Strict,
    StrictBoolean,
    Text,
    UtcDateTime,
)
from registry.domain.interchange import MAX_HOLDERS
from registry.models.mitigations import MITIGATION_KINDS, MITIGATION_STATUSES
from registry.models.services import CRITICALITIES, PROVIDER_KINDS, SERVICE_STATUSES
from registry.models.tokens import TOKEN_SCOPES

# --- providers, frameworks, competences -----------------------------------------------------


class ProviderIn(Strict):
    name = Text(200, "Dimpact", required=True, allow_none=False)
    kind = Choice(PROVIDER_KINDS, "cooperative", allow_none=True, load_default=None)


class ProviderOut(Record):
    name = ma.fields.String(metadata={"example": "Dimpact"})
    kind = ma.fields.String(allow_none=True, metadata={"example": "cooperative"})


# The English name and description of frameworks and competences: optional; left out of a
# PUT, the stored ones are kept (clients written before they existed change nothing).
ENGLISH = "In English, shown to users who chose English; left out: kept as stored."


class FrameworkIn(Strict):
    key = Text(60, "e-cf-4", required=True, allow_none=False)
    name = Text(200, "e-CF 4.0", required=True, allow_none=False)
    description = Text(LONG_TEXT, load_default=None)
    name_en = Text(200, "e-CF 4.0", metadata={"description": ENGLISH})
    description_en = Text(LONG_TEXT, metadata={"description": ENGLISH})
    label_1 = Text(100, "aware", load_default=None)
    label_2 = Text(100, load_default=None)
    label_3 = Text(100, load_default=None)
    label_4 = Text(100, load_default=None)
    label_5 = Text(100, load_default=None)


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
    code = Text(40, "CM-01", required=True, allow_none=False)
    name = Text(200, "Contractmanagement", required=True, allow_none=False)
    name_en = Text(200, "Contract management", metadata={"description": ENGLISH})
    framework_id = Id(load_default=None)
    area = Text(120, "Regie", load_default=None)
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
    code = Text(80, "zaaksysteem-dimpact", required=True, allow_none=False)
    name = Text(200, "Zaaksysteem", required=True, allow_none=False)
    provider_id = Id(load_default=None)
    owner = Text(40, "P0001", load_default=None, metadata={"description": "Employee number."})
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
    competence = Key(40, "CM-01")
    required_level = ma.fields.Integer(load_default=3, validate=LEVEL, metadata={"example": 3})
    min_holders = ma.fields.Integer(
        load_default=2, validate=validate.Range(min=1, max=MAX_HOLDERS), metadata={"example": 2}
    )
    rationale = Text(LONG_TEXT, load_default=None)


class RequirementCreate(RequirementIn):
    service = Key(80, "zaaksysteem-dimpact")


class RequirementOut(Record):
    service = ma.fields.Function(lambda r: r.service.code, metadata={"example": "zaaksysteem"})
    competence = ma.fields.Function(lambda r: r.competence.code, metadata={"example": "CM-01"})
    required_level = ma.fields.Integer(metadata={"example": 3})
    min_holders = ma.fields.Integer(metadata={"example": 2})
    rationale = ma.fields.String(allow_none=True)


# --- org units and people -------------------------------------------------------------------


class OrgUnitIn(Strict):
    name = Text(200, "Afdeling Informatievoorziening", required=True, allow_none=False)
    parent_id = Id(load_default=None)


class OrgUnitOut(Record):
    name = ma.fields.String(metadata={"example": "Afdeling Informatievoorziening"})
    path = ma.fields.String(metadata={"example": "Directie Bedrijfsvoering / Afdeling IV"})
    parent_id = ma.fields.Integer(allow_none=True)


class PersonIn(Strict):
    employee_number = Key(40, "P0001")
    name = Text(200, "Anna de Vries", required=True, allow_none=False)
    email = Text(254, "a.devries@voorbeeldstad.example", load_default=None)
    org_unit_id = Id(load_default=None)
    job_title = Text(200, "Contractmanager", load_default=None)
    start_date = Date("2019-04-01", load_default=None)


class PersonOut(Record):
    employee_number = ma.fields.String(metadata={"example": "P0001"})
    name = ma.fields.String(metadata={"example": "Anna de Vries"})
    email = ma.fields.String(allow_none=True)
    org_unit_id = ma.fields.Integer(allow_none=True)
    org_unit = ma.fields.Function(
        lambda p: p.org_unit.path if p.org_unit else None,
        allow_none=True,
        metadata={"example": "Directie Bedrijfsvoering / Afdeling IV"},
    )
    job_title = ma.fields.String(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    leave_date = ma.fields.Date(
        allow_none=True, metadata={"description": "The first day no longer employed."}
    )


class DepartureIn(Strict):
    leave_date = ma.fields.Date(
        required=True,
        metadata={"description": "The first day no longer employed.", "example": "2027-03-01"},
    )


# --- assignments, holdings, mitigations -----------------------------------------------------


class AssignmentIn(Strict):
    role = Text(120, "contractmanager", load_default=None)
    start_on = Date("2024-01-01", load_default=None)
    end_on = Date(load_default=None)


class AssignmentCreate(AssignmentIn):
    employee_number = Key(40, "P0001")
    service = Key(80, "zaaksysteem-dimpact")


class EndIn(Strict):
    end_on = ma.fields.Date(
        required=True,
        metadata={"description": "The first day no longer assigned.", "example": "2027-03-01"},
    )


class AssignmentOut(Record):
    employee_number = ma.fields.Function(
        lambda a: a.person.employee_number, metadata={"example": "P0001"}
    )
    service = ma.fields.Function(lambda a: a.service.code, metadata={"example": "zaaksysteem"})
    role = ma.fields.String(allow_none=True, metadata={"example": "contractmanager"})
    start_on = ma.fields.Date(allow_none=True)
    end_on = ma.fields.Date(allow_none=True)


class HoldingIn(Strict):
    level = ma.fields.Integer(required=True, validate=LEVEL, metadata={"example": 3})
    assessed_on = Date("2025-06-01", load_default=None)
    expires_on = Date(load_default=None)
    assessed_by = Text(200, "M. Jansen", load_default=None)
    evidence = Text(LONG_TEXT, load_default=None)


class HoldingCreate(HoldingIn):
    employee_number = Key(40, "P0001")
    competence = Key(40, "CM-01")


class HoldingOut(Record):
    employee_number = ma.fields.Function(
        lambda h: h.person.employee_number, metadata={"example": "P0001"}
    )
    competence = ma.fields.Function(lambda h: h.competence.code, metadata={"example": "CM-01"})
    level = ma.fields.Integer(metadata={"example": 3})
    assessed_on = ma.fields.Date(allow_none=True)
    expires_on = ma.fields.Date(allow_none=True)
    assessed_by = ma.fields.String(allow_none=True)
    evidence = ma.fields.String(allow_none=True)


class MitigationIn(Strict):
    kind = Choice(MITIGATION_KINDS, "training", required=True)
    owner = Text(40, "P0001", load_default=None, metadata={"description": "Employee number."})
    due_on = Date("2027-01-01", load_default=None)
    status = Choice(MITIGATION_STATUSES, "open", load_default="open")
    note = Text(LONG_TEXT, load_default=None)
    risk_expires_on = Date(load_default=None)


class MitigationCreate(MitigationIn):
    requirement_id = Id(required=True, allow_none=False)


class MitigationOut(Record):
    requirement_id = ma.fields.Integer(metadata={"example": 1})
    service = ma.fields.Function(
        lambda m: m.requirement.service.code, metadata={"example": "zaaksysteem"}
    )
    competence = ma.fields.Function(
        lambda m: m.requirement.competence.code, metadata={"example": "CM-01"}
    )
    kind = ma.fields.String(metadata={"example": "training"})
    owner = ma.fields.Function(
        lambda m: m.owner.employee_number if m.owner else None, allow_none=True
    )
    due_on = ma.fields.Date(allow_none=True)
    status = ma.fields.String(metadata={"example": "open"})
    note = ma.fields.String(allow_none=True)
    risk_expires_on = ma.fields.Date(allow_none=True)
    created_at = UtcDateTime()


# --- gaps ---------------------------------------------------------------------------------


# Report days and horizons: the one range of registry.core.periods (forms and CLI alike).
IN_PERIOD = validate.Range(min=periods.MIN_DATE, max=periods.MAX_DATE)


class GapArgs(ma.Schema):
    as_of = ma.fields.Date(
        load_default=None,
        validate=IN_PERIOD,
        metadata={"description": "The day to analyse (default today), 1900-01-01 to 2200-12-31."},
    )
    horizon = ma.fields.Integer(
        load_default=None,
        validate=validate.Range(min=periods.MIN_HORIZON, max=periods.MAX_HORIZON),
        metadata={"description": "Days ahead to look for departures (default 90)."},
    )
    all = ma.fields.Boolean(
        load_default=False, metadata={"description": "Include covered requirements."}
    )


class GapRow(Out):
    """One row of `registry gaps --format json`."""

    service = ma.fields.String(metadata={"example": "zaaksysteem-dimpact"})
    competence = ma.fields.String(metadata={"example": "CM-01"})
    required_level = ma.fields.Integer(metadata={"example": 3})
    min_holders = ma.fields.Integer(metadata={"example": 2})
    holders_now = ma.fields.Integer(metadata={"example": 1})
    holders_at_horizon = ma.fields.Integer(metadata={"example": 0})
    candidates = ma.fields.Integer(metadata={"example": 2})
    status = ma.fields.String(
        validate=validate.OneOf(("unassigned", "leaving", "undercovered", "covered")),
        metadata={"example": "leaving"},
    )
    risk = ma.fields.Integer(metadata={"example": 9})
    contract_ending = ma.fields.Boolean(metadata={"example": False})
    mitigations = ma.fields.List(
        ma.fields.Dict(),
        metadata={
            "description": "Open and in-progress mitigations: kind, status, owner (employee "
            "number), due_on, risk_expires_on, overdue."
        },
    )


class ForecastArgs(ma.Schema):
    as_of = ma.fields.Date(
        load_default=None,
        validate=IN_PERIOD,
        metadata={"description": "The first day of the window (default today)."},
    )
    days = ma.fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "Days the window looks ahead (default 365)."},
    )
    all = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Include requirements that never fall short."},
    )


class ForecastCause(Out):
    kind = ma.fields.String(metadata={"example": "leave"})
    employee_number = ma.fields.String(metadata={"example": "P04"})
    name = ma.fields.String(metadata={"example": "Henk Jansen"})
    on = ma.fields.Date()


class ForecastRow(Out):
    """One row of `registry forecast --format json`."""

    service = ma.fields.String(metadata={"example": "zaaksysteem-dimpact"})
    competence = ma.fields.String(metadata={"example": "CM-01"})
    required_level = ma.fields.Integer(metadata={"example": 3})
    min_holders = ma.fields.Integer(metadata={"example": 2})
    holders_now = ma.fields.Integer(metadata={"example": 2})
    first_short_on = ma.fields.Date(allow_none=True)
    first_empty_on = ma.fields.Date(allow_none=True)
    steps = ma.fields.List(
        ma.fields.Tuple((ma.fields.Date(), ma.fields.Integer())),
        metadata={"description": "[date, holders] at every change in the window."},
    )
    causes = ma.fields.List(ma.fields.Nested(ForecastCause))


# --- tokens (for the docs of who is calling) -------------------------------------------------


class WhoAmI(Out):
    email = ma.fields.String(metadata={"example": "hr-koppeling@voorbeeldstad.example"})
    role = ma.fields.String(metadata={"example": "editor"})
    scope = ma.fields.String(validate=validate.OneOf(TOKEN_SCOPES), metadata={"example": "write"})
    token_id = ma.fields.Integer(metadata={"example": 1})
    expires_at = UtcDateTime()
