"""Checking the values a service is given, the steps every maintenance service shares: text
stripped (empty is None), required and optional text with a length, one of the allowed
choices, a record that must still exist, two dates in order.

Each raises `ServiceError(message, field)`, shown next to `field` on the form (a JSON pointer
in the API). Used by the catalogue's and the mitigations' services; the rules themselves (what
is allowed) stay in the features' `rules`.
"""

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError
from registry.core.extensions import db


def text(value) -> str | None:
    """Strip text input; empty means None."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def required(value, field: str, length: int):
    value = text(value)
    if value is None:
        raise ServiceError(_l("This field is required."), field)
    if len(value) > length:
        raise ServiceError(_l("At most %(max)s characters.", max=length), field)
    return value


def optional(value, field: str, length: int | None = None):
    value = text(value)
    if value is not None and length is not None and len(value) > length:
        raise ServiceError(_l("At most %(max)s characters.", max=length), field)
    return value


def choice(value, allowed, field: str, optional: bool = False):
    value = text(value)
    if value is None and optional:
        return None
    if value not in allowed:
        raise ServiceError(_l("Choose one of the options."), field)
    return value


def existing(model, record_id, field: str, message):
    """The record `record_id` of `model`, None when none was named; one that no longer exists
    is refused with `message`."""
    if record_id in (None, ""):
        return None
    record = db.session.get(model, int(record_id))
    if record is None:
        raise ServiceError(message, field)
    return record


def dates_in_order(start, end, field: str, message) -> None:
    if start is not None and end is not None and end < start:
        raise ServiceError(message, field)
