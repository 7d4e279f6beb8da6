"""The JSON API at /api/v1 (flask-smorest: marshmallow schemas → OpenAPI 3.1).

`init_app(app, blueprints)` is the one call the application factory makes: it binds the API,
registers the features' API blueprints (made by `registry.accounts.api_blueprint`: bearer
tokens, no CSRF, the per-token rate limit) and adds the reference page.
"""

from http import HTTPStatus

from flask_smorest import Api
from flask_smorest.spec import prepare_response

from registry.core.problems import PROBLEM_TYPE, ProblemSchema

API_PREFIX = "/api/v1"


class RegistryApi(Api):
    """flask-smorest with RFC 9457 problems as its documented error answers; the errors
    themselves are produced by `registry.core.problems`."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The app's and the blueprints' own handlers answer errors (see problems.py)."""

    def _register_responses(self):
        for status in HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _settings(app) -> None:
    app.config.setdefault("API_TITLE", "Kennisborg API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "600 per minute")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "The knowledge-retention registry's JSON API. Authenticate with an API "
                    "token: `Authorization: Bearer <token>` (administrators create tokens on "
                    "the Tokens page or with `registry tokens create`). Records carry an ETag; "
                    "changes need it as If-Match. Errors are RFC 9457 problem details."
                ),
            },
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "kb_…"}
                }
            },
            "security": [{"bearer": []}],
        },
    )


def init_app(app, blueprints) -> None:
    """Bind the API to `app` with the features' `blueprints`, and its reference page."""
    from registry.core import api_docs

    _settings(app)
    api = RegistryApi(app)
    for bp in blueprints:
        api.register_blueprint(bp)
    app.register_blueprint(api_docs.bp)
