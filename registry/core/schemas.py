"""What every feature's API schemas are made of (marshmallow; flask-smorest turns them into
the OpenAPI document): text fields with a maximum length that refuse characters no database
stores, keys, ids, dates, choices, strict input and open output schemas."""

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

MAX_ID = 2**31 - 1
LONG_TEXT = 10_000
LEVEL = validate.Range(min=1, max=5)


def _storable(value: str) -> None:
    if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ma.ValidationError("Contains a character that cannot be stored.")


def Text(max_length: int, example=None, **kwargs):  # noqa: N802 (a field factory)
    """A string of at most `max_length` characters (None allowed unless required)."""
    if not kwargs.get("required"):
        kwargs.setdefault("allow_none", True)
    metadata = kwargs.pop("metadata", {})
    if example is not None:
        metadata["example"] = example
    return ma.fields.String(
        validate=[validate.Length(max=max_length), _storable], metadata=metadata, **kwargs
    )


def Key(max_length: int, example=None, **kwargs):  # noqa: N802
    """A required, non-empty key (code, employee number)."""
    return ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=max_length), _storable],
        metadata={"example": example} if example else {},
        **kwargs,
    )


def Id(**kwargs):  # noqa: N802
    kwargs.setdefault("allow_none", True)
    metadata = {"example": 1, **kwargs.pop("metadata", {})}
    return ma.fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID), metadata=metadata, **kwargs
    )


def Date(example=None, **kwargs):  # noqa: N802
    kwargs.setdefault("allow_none", True)
    metadata = kwargs.pop("metadata", {})
    if example:
        metadata["example"] = example
    return ma.fields.Date(metadata=metadata, **kwargs)


def Choice(choices, example=None, **kwargs):  # noqa: N802
    return ma.fields.String(
        validate=validate.OneOf(choices), metadata={"example": example or choices[0]}, **kwargs
    )


class StrictBoolean(ma.fields.Boolean):
    """true or false in a JSON body, not 0, 1 or "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Strict(ma.Schema):
    """Input schemas refuse unknown fields."""

    class Meta:
        unknown = ma.RAISE


class UtcDateTime(ma.fields.DateTime):
    """A stored (naive, UTC) time as RFC 3339 with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Out(ma.Schema):
    """Response schemas allow more properties than they list (clients must ignore extras)."""

    class Meta:
        unknown = ma.INCLUDE


class Record(Out):
    id = ma.fields.Integer(metadata={"example": 1})
    version = ma.fields.Integer(
        metadata={"description": "Send it back as If-Match to change the record.", "example": 1}
    )
