"""Errors services raise for the web, CLI and API layers to present."""


class ServiceError(ValueError):
    """A refused change, with a user-facing message; `field` names the form field it belongs
    to (None: the form as a whole)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class StaleRecord(Exception):
    """The record changed after the form was opened (optimistic locking): answer 409."""

    def __init__(self, record):
        super().__init__(f"{record!r} was changed by someone else")
        self.record = record


def ensure_version(record, submitted) -> None:
    """Raise StaleRecord unless the form's version is the record's current version."""
    if submitted is None or str(record.version) != str(submitted).strip():
        raise StaleRecord(record)
