"""Daily snapshots of the gap analysis: each analysed requirement's status on a day, so that
coverage can be shown over time (overall, per provider, per service)."""

from datetime import date, datetime

from sqlalchemy import Boolean, Enum, Index, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import ENUM_KW, Base, utcnow
from registry.core.tenancy import OwnedByOrganisation
from registry.gaps.rules.gaps import STATUSES


class StatusSnapshot(OwnedByOrganisation, Base):
    """One requirement's figures on one day. The ids are plain numbers, not foreign keys: the
    history stays when a requirement, service or provider is later removed."""

    __tablename__ = "status_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "requirement_id"),
        # Covering indexes: the trend figures are counted from the index alone.
        Index(
            "ix_status_snapshots_day_figures",
            "day",
            "service_id",
            "provider_id",
            "status",
            "organisation_id",
        ),
        Index("ix_status_snapshots_service_id_day", "service_id", "day", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    requirement_id: Mapped[int]
    service_id: Mapped[int]
    competence_id: Mapped[int]
    provider_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(Enum(*STATUSES, name="status", **ENUM_KW))
    holders_now: Mapped[int]
    holders_at_horizon: Mapped[int]
    horizon: Mapped[int]
    # True: worked out afterwards from the registry's data (the demo's past months, or a
    # --as-of other than the day itself), not recorded on the day.
    computed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
