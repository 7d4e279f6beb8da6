"""The gap report (exactly the rows of `registry gaps --format json`) and who is calling."""

from flask import jsonify

from registry.api import schemas as s
from registry.api.auth import current_token, requires
from registry.api.blueprint import api_blueprint
from registry.api.common import errors
from registry.domain import gaps as rules
from registry.domain.permissions import Permission

gaps = api_blueprint(
    "api_gaps", "gaps", "The gap report of DESIGN.md, as `registry gaps --format json`."
)
me = api_blueprint("api_me", "me", "The account and token making the request.")
BLUEPRINTS = (gaps, me)

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


@gaps.route("", methods=["GET"])
@requires(Permission.READ)
@gaps.arguments(s.GapArgs, location="query")
@gaps.response(200, s.GapRow(many=True), example=GAP_EXAMPLE)
@errors(gaps, 422)
def gap_report(args):
    """Every analysed requirement with a gap (all of them with `all=true`), worst first:
    by severity, then service code, then competence code. The same parameters and rows as
    `registry gaps --format json`."""
    from registry.cli.gaps import report_records
    from registry.services import gaps as gap_service

    as_of, horizon = gap_service.resolve(args.get("as_of"), args.get("horizon"))
    rows = gap_service.analyse(as_of, horizon)
    shown = rows if args.get("all") else [r for r in rows if r.status != rules.COVERED]
    # Returned as built (not re-dumped through the schema), so the rows are exactly the CLI's.
    return jsonify(report_records(shown))


@me.route("", methods=["GET"])
@requires(Permission.READ)
@me.response(200, s.WhoAmI)
@errors(me)
def whoami():
    """The account, role and token scope of the request."""
    token = current_token()
    return {
        "email": token.user.email,
        "role": token.user.role,
        "scope": token.scope,
        "token_id": token.id,
        "expires_at": token.expires_at,
    }
