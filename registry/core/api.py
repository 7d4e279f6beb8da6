"""What every API view shares: finding records, optimistic locking with ETag / If-Match,
running a service in the request's transaction, and the documented error answers."""

from http import HTTPStatus

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.database import immediate_writes
from registry.core.errors import ServiceError, StaleRecord
from registry.core.extensions import db
from registry.core.problems import ApiProblem, field_error
from registry.core.schemas import MAX_ID

# A service names the form field of an error; the API names its own field.
FIELD_NAMES = {
    "person": "employee_number",
    "owner_id": "owner",
    "competence_id": "competence",
    "user": "user",
}


def etag(record) -> str:
    """The record's entity tag: its version, which every write increments."""
    return f'"{record.version}"'


def not_found():
    return ApiProblem(404, _("This record does not exist (any more)."))


def get_or_404(model, record_id: int, *options):
    """The record with this id, or a 404 problem."""
    if not 1 <= record_id <= MAX_ID:
        raise not_found()
    query = select(model).where(model.id == record_id)
    if options:
        query = query.options(*options)
    record = db.session.execute(query).unique().scalar_one_or_none()
    if record is None:
        raise not_found()
    return record


def by_key(model, column, value: str, *options):
    """The record whose unique `column` is `value`, or a 404 problem."""
    if not value or "\x00" in value or len(value) > 200:
        raise not_found()
    query = select(model).where(column == value)
    if options:
        query = query.options(*options)
    record = db.session.execute(query).unique().scalar_one_or_none()
    if record is None:
        raise not_found()
    return record


def required_version(record) -> int:
    """The version named by If-Match; 428 when absent, 412 when it is not the current one."""
    header = request.headers.get("If-Match")
    if not header:
        raise ApiProblem(
            428,
            _("Send the record's ETag as If-Match, so that no one else's change is lost."),
        )
    tags = [tag.strip() for tag in header.split(",")]
    if etag(record) in tags:  # no "*": a change must name the version it was based on
        return record.version
    raise stale()


def stale():
    return ApiProblem(
        412,
        _("The record changed since you read it (its ETag differs); read it again."),
    )


def write(call, *args, **kwargs):
    """Run a service call in the request's transaction and commit; refused input is a 422
    problem with the field, a newer version a 412, and nothing is written."""
    immediate_writes()
    try:
        result = call(*args, **kwargs)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        field = FIELD_NAMES.get(error.field, error.field)
        raise ApiProblem(422, error.message, field_error(field, error.message)) from None
    except (StaleRecord, StaleDataError):
        db.session.rollback()
        raise stale() from None
    except IntegrityError:
        db.session.rollback()
        raise ApiProblem(409, _("This conflicts with another record; nothing was saved.")) from None
    return result


def created(record, endpoint: str, **values):
    """A 201 answer with Location and ETag."""
    return (
        record,
        201,
        {"Location": url_for(endpoint, _external=True, **values), "ETag": etag(record)},
    )


def found(record):
    """A 200 answer with the record's ETag."""
    return record, 200, {"ETag": etag(record)}


ETAG_HEADER = {
    "ETag": {
        "description": "The record's version; send it as If-Match to change it.",
        "schema": {"type": "string"},
    }
}
CREATED_HEADERS = {
    **ETAG_HEADER,
    "Location": {"description": "The address of the new record.", "schema": {"type": "string"}},
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the record as read; a stale one is refused with 412.",
    "schema": {"type": "string", "pattern": '^"[0-9]{1,9}"$'},
    "example": '"1"',
}


def errors(bp, *codes: int):
    """Document the problem answers an operation may give (beyond 401, 403 and 429, which
    every operation may give)."""

    def decorator(view):
        for code in sorted({401, 403, 429, *codes}):
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        if 428 in codes:  # the operation changes a record: it needs the record's ETag
            view = bp.doc(parameters=[IF_MATCH])(view)
        return view

    return decorator
