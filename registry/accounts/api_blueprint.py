"""One way to make an API blueprint: token authentication before every view, errors as
problems, no CSRF (bearer tokens, never cookies), the per-token rate limit (a 429 says when
to retry), bounded request bodies and answers no cache keeps (they hold personal data).

A request body is bounded three ways before a schema reads it: its size (the
API_MAX_BODY_BYTES setting), its nesting depth (MAX_DEPTH) and the length of every list the
schema limits (a `Length(max=…)` validator, such as the sync's 5,000 records), so that a small
body of a million `{}` is refused before a million records are deserialised."""

import time
from collections.abc import Iterable

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import TooManyRequests

from registry.accounts import bearer as auth
from registry.core import problems
from registry.core.extensions import csrf, limiter

MAX_DEPTH = 32  # nesting levels of arrays and objects in a request body; ours need 3


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _depth(value) -> int:
    """How deeply `value` nests arrays and objects (0 for a scalar), counted without recursion
    and only as far as one level past MAX_DEPTH."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        children: Iterable
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep():
    return problems.ApiProblem(
        400, _("The JSON body is nested too deeply (at most %(depth)d levels).", depth=MAX_DEPTH)
    )


def _count_lists(schema, data) -> None:
    """Refuse a list longer than its field allows before any of its items is deserialised:
    422, as the schema's own check answered (a schema-violating body, not a large one)."""
    if not isinstance(data, dict):
        return
    for name, field in schema.fields.items():
        value = data.get(field.data_key or name)
        if not isinstance(field, ma.fields.List) or not isinstance(value, list):
            continue
        for validator in field.validators:
            most = validator.max if isinstance(validator, ma.validate.Length) else None
            if most is not None and len(value) > most:
                message = _(
                    "At most %(limit)d items per request; this one has %(count)d.",
                    limit=most,
                    count=len(value),
                )
                raise problems.ApiProblem(
                    422, message, problems.field_error(field.data_key or name, message)
                )


class Parser(FlaskParser):
    """Every request body of the API is required: a missing (or non-JSON) body is refused
    instead of being read as an empty object. Bodies nested too deeply and lists longer than
    their limit are refused before the schema reads them."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # deeper than the JSON decoder goes
            raise _too_deep() from None

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is ma.missing:
            raise problems.ApiProblem(
                422,
                _("Send a JSON body (Content-Type: application/json)."),
                problems.field_error(None, _("A JSON body is required.")),
            )
        if _depth(data) > MAX_DEPTH:
            raise _too_deep()
        _count_lists(schema, data)
        return data


def _bound_body() -> None:
    """Refuse a body larger than API_MAX_BODY_BYTES (also one sent without Content-Length:
    reading more than that is refused with 413)."""
    most = int(current_app.config["API_MAX_BODY_BYTES"])
    request.max_content_length = most
    if (request.content_length or 0) > most:
        raise problems.ApiProblem(
            413,
            _("The request body is larger than the limit of %(limit)d bytes.", limit=most),
        )


def _not_stored(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _retry_after(error):
    """The rate limit's 429, saying in Retry-After how many seconds until the window resets."""
    current = limiter.current_limit
    seconds = int(current.reset_at - time.time()) if current is not None else 60
    answer = problems.from_http_exception(error)
    answer.headers["Retry-After"] = str(max(1, seconds))
    return answer


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
    bp.before_request(_bound_body)
    bp.after_request(_not_stored)
    problems.init_blueprint(bp)
    bp.errorhandler(TooManyRequests)(_retry_after)
    csrf.exempt(bp)
    limiter.shared_limit(_limit, scope="api", key_func=auth.rate_limit_key)(bp)
    return bp
