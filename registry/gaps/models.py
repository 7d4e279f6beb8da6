"""Stored results: a full gap analysis or forecast as computed at one audit head, kept in the
database so that a new process (a restart, another worker, the morning after the nightly
job) starts from it instead of computing it again. Derived data, never a source: a row is
only used while the audit chain runs on from its head (see `gaps/services/store.py`)."""

from datetime import date, datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import Base, utcnow
from registry.core.tenancy import OwnedByOrganisation


class StoredResult(OwnedByOrganisation, Base):
    """One computation: `kind` (gaps, forecast) for `as_of` and `parameter` (the horizon or
    the window in days), at audit head `head_count:head_hash`."""

    __tablename__ = "stored_results"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "as_of", "parameter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date]
    parameter: Mapped[int]
    head_count: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    # A digest of the row type's fields: rows stored by another version of the code are ignored.
    fingerprint: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
