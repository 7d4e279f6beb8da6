"""Error pages (HTML, or JSON for API clients). A refused request (403) is handed to the
`on_refused` callback the application factory passes (the audit log records it)."""

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.core.extensions import db
from registry.core.problems import routing_problem

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _titles():
    # Mapped here so that the strings are extracted and translated.
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Changed by someone else"),
        413: _("Upload too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
    }


def _messages():
    return {
        400: _("The request could not be understood."),
        403: _("Your role does not allow this. Ask an administrator if you need access."),
        404: _("This page or record does not exist (any more)."),
        405: _("This address does not accept this kind of request."),
        409: _("Someone else changed this record after you opened it."),
        413: _("The upload is larger than allowed."),
        429: _("Too many attempts. Wait a few minutes and try again."),
        500: _("An unexpected error occurred. Nothing was saved."),
    }


def render_error(code: int, message: str | None = None):
    """The error response in the form the client asked for."""
    if request.path.startswith("/api/v1/") and request.endpoint != "api_docs.reference":
        return routing_problem(code, message)  # RFC 9457, as every API error
    message = message or _messages().get(code, "")
    if wants_json():
        return jsonify(error=_titles().get(code, str(code)), message=message), code
    return render_template(
        "errors/error.html", code=code, title=_titles().get(code, str(code)), message=message
    ), code


def init_app(app, on_refused) -> None:
    """Answer errors; `on_refused()` is called for every 403 before the answer is made."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        logger.warning("refused: CSRF check failed (%s)", error.description)
        return render_error(
            400,
            _(
                "The form had expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code == 403:
            logger.warning("refused: the role does not allow this route")
            on_refused()
        description = None if error.description == type(error).description else error.description
        return render_error(error.code, description)

    @app.errorhandler(500)
    def _server(error):
        db.session.rollback()
        return render_error(500)
