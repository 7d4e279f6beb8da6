"""The API schemas of the gap report and the forecast (the rows of `registry gaps` and
`registry forecast --format json`)."""

import marshmallow as ma
from marshmallow import validate

from registry.core import periods
from registry.core.schemas import Out
from registry.gaps.rules import gaps as gap_rules

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
    regional_candidates = ma.fields.Integer(
        metadata={
            "description": "Only in a registry of several organisations: the people of the "
            "other organisations who meet the candidate rule.",
            "example": 3,
        }
    )
    status = ma.fields.String(
        validate=validate.OneOf(gap_rules.STATUSES),
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
