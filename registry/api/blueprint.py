"""One way to make an API blueprint: token authentication before every view, errors as
problems, no CSRF (bearer tokens, never cookies), and the per-token rate limit."""

from flask import current_app
from flask_smorest import Blueprint

from registry.api import auth, problems
from registry.extensions import csrf, limiter


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def api_blueprint(name: str, path: str, description: str) -> Blueprint:
    """A flask-smorest blueprint at /api/v1/<path>."""
    bp = Blueprint(name, __name__, url_prefix=f"/api/v1/{path}", description=description)
    bp.before_request(auth.authenticate)
    problems.init_blueprint(bp)
    csrf.exempt(bp)
    limiter.shared_limit(_limit, scope="api", key_func=auth.rate_limit_key)(bp)
    return bp
