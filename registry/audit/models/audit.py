"""The append-only, hash-chained audit log."""

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import Base
from registry.core.tenancy import RecordedInOrganisation


class AuditEvent(RecordedInOrganisation, Base):
    """One event. `hash = sha256(prev_hash ‖ canonical event)`; the canonical form covers a
    digest of before/after, so redacting personal data keeps the chain verifiable."""

    __tablename__ = "audit_events"
    # Every history tab filters on (entity, entity_id).
    __table_args__ = (Index("ix_audit_events_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(20), default="success")
    source: Mapped[str | None] = mapped_column(String(100))
    payload_digest: Mapped[str] = mapped_column(String(64))
    redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row holding the chain's head; locked while appending so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class RefusalWindow(Base):
    """Throttles the audit events of refused requests (403): per actor and route, the first
    refusal of a minute is recorded at once; repeats within that minute only raise `repeats`,
    which is recorded as one event ("refused_repeated", with the count) once the minute is
    over. Not part of the chain: it only decides what gets appended to it."""

    __tablename__ = "audit_refusal_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(254))  # user id, or the address when anonymous
    route: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(index=True)
    repeats: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (UniqueConstraint("actor", "route"),)
