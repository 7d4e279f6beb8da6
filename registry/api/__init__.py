"""The JSON API at /api/v1 (flask-smorest: marshmallow schemas → OpenAPI 3.1).

`init_app(app)` is the one call the application factory makes: it binds the API, registers
its blueprints, exempts them from CSRF (they are authenticated by bearer token, never by the
session cookie), limits requests per token, and adds the admins' token pages and the
reference page.
"""

from http import HTTPStatus

from flask_smorest import Api
from flask_smorest.spec import prepare_response

from registry.api.problems import PROBLEM_TYPE, ProblemSchema

API_PREFIX = "/api/v1"


class RegistryApi(Api):
    """flask-smorest with RFC 9457 problems as its documented error answers; the errors
    themselves are produced by `registry.api.problems`."""

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


def init_app(app) -> None:
    """Bind the API and its pages to `app`."""
    from registry.api import catalogue, docs, people, reports, sync, tokens_web

    _settings(app)
    api = RegistryApi(app)
    for bp in (*catalogue.BLUEPRINTS, *people.BLUEPRINTS, *reports.BLUEPRINTS, *sync.BLUEPRINTS):
        api.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens_web.bp)
