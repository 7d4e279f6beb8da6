"""POST /api/v1/sync/{people,assignments,holdings}: a full or partial set of records in the
interchange columns. `?dry_run=true` answers the per-record, per-field difference; without it
the records are applied all or nothing (one transaction; one audit event per created or
changed record plus one import summary event), or refused as a whole with the same difference.
"""

import marshmallow as ma
from flask_babel import gettext as _

from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import actor, requires
from registry.catalogue import rules as catalogue_rules
from registry.core import limits
from registry.core import schemas as cs
from registry.core.api import errors
from registry.core.database import immediate_writes
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.core.problems import ApiProblem
from registry.people import rules as people_rules
from registry.transfer.services import sync as sync_service

bp = api_blueprint(
    "api_sync",
    "sync",
    "Keep people, assignments and holdings in step with another system (the HR system).",
)
BLUEPRINTS = (bp,)


def _text(length, example=None):
    return cs.Text(length, example)


class PersonRecord(cs.Strict):
    employee_number = cs.Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    name = _text(people_rules.PERSON_NAME_MAX, "Anna de Vries")
    email = _text(people_rules.EMAIL_MAX, "a.devries@voorbeeldstad.example")
    org_unit = _text(people_rules.ORG_UNIT_PATH_MAX, "Directie Bedrijfsvoering / Afdeling IV")
    job_title = _text(people_rules.JOB_TITLE_MAX, "Contractmanager")
    start_date = cs.Date("2019-04-01")
    leave_date = cs.Date("2027-03-01")


class AssignmentRecord(cs.Strict):
    employee_number = cs.Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    service = cs.Key(catalogue_rules.SERVICE_CODE_MAX, "zaaksysteem-dimpact")
    role = _text(people_rules.ROLE_MAX, "contractmanager")
    start_on = cs.Date("2024-01-01")
    end_on = cs.Date()


class HoldingRecord(cs.Strict):
    employee_number = cs.Key(limits.EMPLOYEE_NUMBER_MAX_LENGTH, "P0001")
    competence = cs.Key(catalogue_rules.COMPETENCE_CODE_MAX, "CM-01")
    level = ma.fields.Integer(validate=cs.LEVEL, allow_none=True, metadata={"example": 3})
    assessed_on = cs.Date("2025-06-01")
    expires_on = cs.Date()
    assessed_by = _text(people_rules.ASSESSED_BY_MAX, "M. Jansen")
    evidence = _text(cs.LONG_TEXT)


def _body(record_schema, name):
    return type(
        name,
        (cs.Strict,),
        {
            "records": ma.fields.List(
                ma.fields.Nested(record_schema),
                required=True,
                validate=ma.validate.Length(max=sync_service.MAX_RECORDS),
                metadata={
                    "description": "Records by key; a field left out keeps its stored value, "
                    "null empties it."
                },
            )
        },
    )


PeopleBody = _body(PersonRecord, "PeopleSync")
AssignmentsBody = _body(AssignmentRecord, "AssignmentsSync")
HoldingsBody = _body(HoldingRecord, "HoldingsSync")


class SyncArgs(ma.Schema):
    dry_run = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Only answer the difference; write nothing."},
    )


class FieldChangeOut(cs.Out):
    field = ma.fields.String(metadata={"example": "leave_date"})
    old = ma.fields.Raw(allow_none=True, metadata={"example": "2027-03-01"})
    new = ma.fields.Raw(allow_none=True, metadata={"example": None})
    clears = ma.fields.Boolean(
        metadata={"description": "The change empties a stored value (e.g. a leave date)."}
    )
    lowers = ma.fields.Boolean(metadata={"description": "The change lowers a level."})


class RecordDiffOut(cs.Out):
    index = ma.fields.Integer(metadata={"description": "Position in `records`, from 0."})
    key = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(allow_none=True),
        metadata={"example": {"employee_number": "P0001"}},
    )
    outcome = ma.fields.String(
        validate=ma.validate.OneOf(("created", "changed", "unchanged", "refused")),
        metadata={"example": "changed"},
    )
    changes = ma.fields.List(ma.fields.Nested(FieldChangeOut))
    reasons = ma.fields.List(ma.fields.String())


class SummaryOut(cs.Out):
    created = ma.fields.Integer()
    changed = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    refused = ma.fields.Integer()


class SyncOut(cs.Out):
    dry_run = ma.fields.Boolean()
    applied = ma.fields.Boolean()
    summary = ma.fields.Nested(SummaryOut)
    records = ma.fields.List(ma.fields.Nested(RecordDiffOut))
    problems = ma.fields.List(ma.fields.String())


EXAMPLE = {
    "dry_run": True,
    "applied": False,
    "summary": {"created": 0, "changed": 1, "unchanged": 0, "refused": 0},
    "records": [
        {
            "index": 0,
            "key": {"employee_number": "P0001"},
            "outcome": "changed",
            "changes": [{"field": "leave_date", "old": "2027-03-01", "new": None, "clears": True}],
            "reasons": [],
        }
    ],
    "problems": [],
}


def _sync(kind: str, body: dict, args: dict):
    dry_run = args["dry_run"]
    if not dry_run:
        immediate_writes()
    try:
        plan = sync_service.plan_sync(kind, body["records"])
        if plan.ok and not dry_run:
            sync_service.apply_sync(actor(), plan)
            db.session.commit()
        else:
            db.session.rollback()
    except ServiceError as error:
        db.session.rollback()
        raise ApiProblem(422, error.message) from None
    result = {
        "dry_run": dry_run,
        "applied": plan.applied,
        "summary": plan.summary(),
        "records": [r.as_dict() for r in plan.records],
        "problems": plan.problems,
    }
    if not plan.ok and not dry_run:
        refused = [
            {"pointer": f"/records/{r.index}", "detail": "; ".join(r.reasons)}
            for r in plan.records
            if r.reasons
        ]
        refused += [{"pointer": "/records", "detail": p} for p in plan.problems]
        raise ApiProblem(
            422,
            _("Some records are refused; nothing was written. See errors."),
            refused,
        )
    return result


def _operation(kind: str, body_schema, summary: str):
    def view(args, body):
        return _sync(kind, body, args)

    view.__doc__ = summary
    view.__name__ = f"sync_{kind}"
    view = errors(bp, 413, 422)(view)
    view = bp.response(200, SyncOut, example=EXAMPLE)(view)
    view = bp.arguments(body_schema, example={"records": [{"employee_number": "P0001"}]})(view)
    view = bp.arguments(SyncArgs, location="query")(view)
    view = requires(Permission.EDIT_REGISTRY)(view)
    return bp.route(f"/{kind}", methods=["POST"], endpoint=kind)(view)


sync_people = _operation(
    "people",
    PeopleBody,
    "Sync people (people.csv columns): the difference with `dry_run=true`, else all or nothing.",
)
sync_assignments = _operation(
    "assignments",
    AssignmentsBody,
    "Sync assignments (assignments.csv columns): the difference, or all or nothing.",
)
sync_holdings = _operation(
    "holdings",
    HoldingsBody,
    "Sync holdings (holdings.csv columns): the difference, or all or nothing.",
)
