"""Mitigations: a manager's answer to a gap."""

from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.catalogue.models.services import Requirement
from registry.core.models import ENUM_KW, Base, Versioned, utcnow
from registry.core.tenancy import OwnedByOrganisation
from registry.mitigations.rules import MITIGATION_KINDS, MITIGATION_STATUSES
from registry.people.models.staff import Person


class Mitigation(OwnedByOrganisation, Versioned, Base):
    """A planned action on a requirement's gap; an accepted risk carries an expiry date."""

    __tablename__ = "mitigations"
    organisation_from = "requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    kind: Mapped[str] = mapped_column(Enum(*MITIGATION_KINDS, name="kind", **ENUM_KW))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(
        Enum(*MITIGATION_STATUSES, name="status", **ENUM_KW),
        default="open",
        server_default="open",
    )
    note: Mapped[str | None] = mapped_column(Text)
    risk_expires_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requirement: Mapped[Requirement] = relationship()
    owner: Mapped[Person | None] = relationship()
