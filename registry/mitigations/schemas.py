"""The API schemas of mitigations."""

import marshmallow as ma

from registry.core import limits
from registry.core.schemas import LONG_TEXT, Choice, Date, Id, Record, Strict, Text, UtcDateTime
from registry.mitigations.rules import MITIGATION_KINDS, MITIGATION_STATUSES


class MitigationIn(Strict):
    kind = Choice(MITIGATION_KINDS, "training", required=True)
    owner = Text(
        limits.EMPLOYEE_NUMBER_MAX_LENGTH,
        "P0001",
        load_default=None,
        metadata={"description": "Employee number."},
    )
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
