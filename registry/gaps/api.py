"""The gap report and the forecast (exactly the rows of `registry gaps --format json` and
`registry forecast --format json`)."""

from datetime import date

from flask import jsonify

from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import requires
from registry.core.api import errors
from registry.core.permissions import Permission
from registry.gaps import schemas as s
from registry.gaps import services as gap_service
from registry.gaps.rules import gaps as rules
from registry.gaps.services import forecast as service
from registry.gaps.services.records import forecast_records, json_records

gaps = api_blueprint(
    "api_gaps", "gaps", "The gap report of DESIGN.md, as `registry gaps --format json`."
)
forecast = api_blueprint(
    "api_forecast",
    "forecast",
    "When coverage breaks (DESIGN.md Forecast), as `registry forecast --format json`.",
)
BLUEPRINTS = (gaps, forecast)

GAP_EXAMPLE = [
    {
        "service": "zaaksysteem-dimpact",
        "competence": "CM-01",
        "required_level": 3,
        "min_holders": 2,
        "holders_now": 1,
        "holders_at_horizon": 0,
        "candidates": 1,
        "status": "leaving",
        "risk": 12,
        "contract_ending": False,
    }
]


FORECAST_EXAMPLE = [
    {
        "service": "zaaksysteem-dimpact",
        "competence": "CM-01",
        "required_level": 3,
        "min_holders": 2,
        "holders_now": 2,
        "first_short_on": "2027-03-01",
        "first_empty_on": None,
        "steps": [["2027-03-01", 1]],
        "causes": [
            {"kind": "leave", "employee_number": "P04", "name": "Henk Jansen", "on": "2027-03-01"}
        ],
    }
]


@gaps.route("", methods=["GET"])
@requires(Permission.READ)
@gaps.arguments(s.GapArgs, location="query")
@gaps.response(200, s.GapRow(many=True), example=GAP_EXAMPLE)
@errors(gaps, 422)
def gap_report(args):
    """Every analysed requirement with a gap (all of them with `all=true`), worst first:
    by severity, then service code, then competence code. The same parameters and rows as
    `registry gaps --format json`."""
    as_of, horizon = gap_service.resolve(args.get("as_of"), args.get("horizon"))
    rows = gap_service.analyse(as_of, horizon)
    shown = rows if args.get("all") else [r for r in rows if r.status != rules.COVERED]
    # Returned as built (not re-dumped through the schema), so the rows are exactly the CLI's.
    return jsonify(json_records(shown, as_of, horizon))


@forecast.route("", methods=["GET"])
@requires(Permission.READ)
@forecast.arguments(s.ForecastArgs, location="query")
@forecast.response(200, s.ForecastRow(many=True), example=FORECAST_EXAMPLE)
@errors(forecast, 422)
def forecast_report(args):
    """When each requirement first falls short of its minimum within the window (default 365
    days), when it first has nobody, every step and why: ordered by the first short day (never
    short last), then service code, then competence code. The same parameters and rows as
    `registry forecast --format json`."""
    as_of = args.get("as_of") or date.today()
    rows = service.forecast(as_of, service.resolve_days(args.get("days")))
    shown = rows if args.get("all") else [r for r in rows if r.first_short_on is not None]
    return jsonify(forecast_records(shown))
