"""One way to make an API blueprint: token authentication before every view, errors as
problems, no CSRF (bearer tokens, never cookies), and the per-token rate limit."""

import marshmallow as ma
from flask import current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from registry.accounts import bearer as auth
from registry.core import problems
from registry.core.extensions import csrf, limiter


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


class Parser(FlaskParser):
    """Every request body of the API is required: a missing (or non-JSON) body is refused
    instead of being read as an empty object."""

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is ma.missing:
            raise problems.ApiProblem(
                422,
                _("Send a JSON body (Content-Type: application/json)."),
                problems.field_error(None, _("A JSON body is required.")),
            )
        return data


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose operations are named (operationId: the view's name),
    so that clients generated from the OpenAPI document get stable method names."""

    ARGUMENTS_PARSER = Parser()

    def route(self, rule, *, parameters=None, tags=None, **options):
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(func):
            return register(self.doc(operationId=func.__name__)(func))

        return decorator


def api_blueprint(name: str, path: str, description: str) -> Blueprint:
    """A flask-smorest blueprint at /api/v1/<path>."""
    bp = ApiBlueprint(name, __name__, url_prefix=f"/api/v1/{path}", description=description)
    bp.before_request(auth.authenticate)
    problems.init_blueprint(bp)
    csrf.exempt(bp)
    limiter.shared_limit(_limit, scope="api", key_func=auth.rate_limit_key)(bp)
    return bp
