"""The API schemas of people: org units, people and departures, assignments and holdings."""

import marshmallow as ma

from registry.catalogue import rules as catalogue_rules
from registry.core import limits
from registry.core.schemas import LEVEL, LONG_TEXT, Date, Id, Key, Record, Strict, Text
from registry.people import rules as people_rules

# --- org units and people -------------------------------------------------------------------


class OrgUnitIn(Strict):
    name = Text(
        people_rules.ORG_UNIT_NAME_MAX,
        "Afdeling Informatievoorziening",
        required=True,
        allow_none=False,
    )
    parent_id = Id(load_default=None)


class OrgUnitOut(Record):
    name = ma.fields.String(metadata={"example": "Afdeling Informatievoorziening"})
    path = ma.fields.String(metadata={"example": "Directie Bedrijfsvoering / Afdeling IV"})
    parent_id = ma.fields.Integer(allow_none=True)


class PersonIn(Strict):
    employee_number = Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    name = Text(people_rules.PERSON_NAME_MAX, "Anna de Vries", required=True, allow_none=False)
    email = Text(people_rules.EMAIL_MAX, "a.devries@voorbeeldstad.example", load_default=None)
    org_unit_id = Id(load_default=None)
    job_title = Text(people_rules.JOB_TITLE_MAX, "Contractmanager", load_default=None)
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
    role = Text(people_rules.ROLE_MAX, "contractmanager", load_default=None)
    start_on = Date("2024-01-01", load_default=None)
    end_on = Date(load_default=None)


class AssignmentCreate(AssignmentIn):
    employee_number = Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    service = Key(catalogue_rules.SERVICE_CODE_MAX, "zaaksysteem-dimpact")


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
    assessed_by = Text(people_rules.ASSESSED_BY_MAX, "M. Jansen", load_default=None)
    evidence = Text(LONG_TEXT, load_default=None)


class HoldingCreate(HoldingIn):
    employee_number = Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    competence = Key(catalogue_rules.COMPETENCE_CODE_MAX, "CM-01")


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
