"""Errors as RFC 9457 problem details (`application/problem+json`), with field errors.

Every error the API answers has the same shape: `type`, `title`, `status`, `detail` and, for
refused input, `errors`: a list of `{pointer, detail}` (a JSON pointer into the request body,
or `parameter` for a query parameter).
"""

from http import HTTPStatus

import marshmallow as ma
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"


class ApiProblem(HTTPException):
    """An error answer with a detail, field errors and extra headers."""

    code: int  # always set (HTTPException's may be None)

    def __init__(self, status: int, detail=None, errors=None, headers=None):
        super().__init__(description=None if detail is None else str(detail))
        self.code = status
        self.errors = errors or []
        self.extra_headers = headers or {}


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Unprocessable content"),
        428: _("Precondition required"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }
    if status in titles:
        return titles[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def problem(status: int, detail=None, errors=None, headers=None):
    """A problem+json response."""
    body = {"type": "about:blank", "title": _title(status), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="kennisborg"')
    return response


def _pointers(messages, location: str, prefix: str = "") -> list[dict]:
    """webargs/marshmallow messages → [{pointer|parameter, detail}]."""
    found = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            found.extend(_pointers(value, location, f"{prefix}/{key}"))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            if location == "json":
                found.append({"pointer": prefix or "/", "detail": str(message)})
            else:
                found.append({"parameter": prefix.lstrip("/"), "in": location, "detail": message})
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            found.extend(_pointers(value, location, f"{prefix}/{index}"))
    else:
        found.append({"pointer": prefix or "/", "detail": str(messages)})
    return found


def field_error(field: str | None, message) -> list[dict]:
    """One field error on the request body."""
    return [{"pointer": f"/{field}" if field else "/", "detail": str(message)}]


def from_http_exception(error: HTTPException):
    """Any HTTP error (from `abort`, webargs or routing) as a problem."""
    if isinstance(error, ApiProblem):
        return problem(error.code, error.description, error.errors, error.extra_headers)
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = []
    messages = data.get("messages") or data.get("errors")
    if isinstance(messages, dict):
        for location, inner in messages.items():
            errors.extend(_pointers(inner, location))
    detail = data.get("message")
    if detail is None and error.description != type(error).description:
        detail = error.description
    if status == 422 and errors and not detail:
        detail = _("The request has invalid values; see errors.")
    headers = dict(data.get("headers") or {})
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, detail, errors, headers)


def wants_problem() -> bool:
    """Whether this request is one of the API's (its errors are problems)."""
    return request.path.startswith("/api/")


class FieldErrorSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    pointer = ma.fields.String(metadata={"example": "/leave_date"})
    parameter = ma.fields.String(metadata={"example": "per_page"})
    in_ = ma.fields.String(data_key="in", metadata={"example": "query"})
    detail = ma.fields.String(metadata={"example": "Not a valid date."})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Precondition failed"})
    status = ma.fields.Integer(metadata={"example": 412})
    detail = ma.fields.String(
        metadata={"example": "The record changed since you read it; read it again."}
    )
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


def init_blueprint(bp) -> None:
    """Answer every error raised in `bp`'s views as a problem."""

    @bp.errorhandler(HTTPException)
    def _http(error):
        if error.code == 500:
            current_app.logger.exception("API error")
        return from_http_exception(error)


def routing_problem(status: int, detail=None):
    """An error outside the API's views (unknown path, wrong method) as a problem; a 405
    names the allowed methods."""
    error = getattr(request, "routing_exception", None)
    if isinstance(error, HTTPException) and error.code == status:
        return from_http_exception(error)
    return problem(status, detail)
