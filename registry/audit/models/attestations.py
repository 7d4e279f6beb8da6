"""Attestations: a gap report of one as-of date and horizon, frozen with the attester's
statement and the audit head at that moment. Immutable: the database refuses UPDATE and DELETE
(triggers created by migration 0004; `IMMUTABLE_DDL` holds the same statements)."""

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import Base
from registry.core.tenancy import OwnedByOrganisation


class Attestation(OwnedByOrganisation, Base):
    """One attestation. The attester is copied in (id, email, name, role), not referenced:
    the row can never change, whatever happens to the account later."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    as_of: Mapped[date] = mapped_column(Date)
    horizon: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    attester_id: Mapped[int | None]
    attester_email: Mapped[str] = mapped_column(String(254))
    attester_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    attester_role: Mapped[str | None] = mapped_column(String(20))
    audit_count: Mapped[int]
    audit_hash: Mapped[str] = mapped_column(String(64))
    # The frozen gap rows (codes, names and figures) as JSON, and report.csv exactly as
    # bundled, with its SHA-256.
    rows: Mapped[str] = mapped_column(Text)
    report_csv: Mapped[str] = mapped_column(Text)
    report_sha256: Mapped[str] = mapped_column(String(64))


# The triggers that make the table immutable, per dialect: (create statements, drop statements).
IMMUTABLE_MESSAGE = "attestations are immutable"
IMMUTABLE_DDL = {
    "sqlite": (
        (
            "CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END",
            "CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END",
        ),
        (
            "DROP TRIGGER IF EXISTS attestations_no_delete",
            "DROP TRIGGER IF EXISTS attestations_no_update",
        ),
    ),
    "postgresql": (
        (
            "CREATE OR REPLACE FUNCTION attestations_immutable() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{IMMUTABLE_MESSAGE}'; "
            "END $$",
            "CREATE TRIGGER attestations_no_update BEFORE UPDATE OR DELETE ON attestations "
            "FOR EACH ROW EXECUTE FUNCTION attestations_immutable()",
        ),
        (
            "DROP TRIGGER IF EXISTS attestations_no_update ON attestations",
            "DROP FUNCTION IF EXISTS attestations_immutable()",
        ),
    ),
}
