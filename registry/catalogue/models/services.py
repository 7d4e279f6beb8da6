"""Outsourced services, their competence requirements, and who is assigned to them."""

from datetime import date

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.catalogue.models.competences import Competence
from registry.catalogue.rules import (
    CRITICALITIES,
    NAME_MAX,
    PROVIDER_KINDS,
    SERVICE_CODE_MAX,
    SERVICE_STATUSES,
)
from registry.core.models import ENUM_KW, Base, Versioned
from registry.core.tenancy import OwnedByOrganisation
from registry.people.models.staff import Person


class Provider(Versioned, Base):
    """A service provider (dienstverlener): a cooperative, an SSC, a supplier, or internal."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    kind: Mapped[str | None] = mapped_column(Enum(*PROVIDER_KINDS, name="kind", **ENUM_KW))

    def __repr__(self) -> str:
        return f"<Provider {self.name}>"


class Service(OwnedByOrganisation, Versioned, Base):
    """An outsourced service (uitbestede dienst) the municipality must commission."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        CheckConstraint(
            "contract_end IS NULL OR contract_start IS NULL OR contract_end >= contract_start",
            name="contract_end_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(SERVICE_CODE_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    criticality: Mapped[str] = mapped_column(
        Enum(*CRITICALITIES, name="criticality", **ENUM_KW),
        default="medium",
        server_default="medium",
    )
    status: Mapped[str] = mapped_column(
        Enum(*SERVICE_STATUSES, name="status", **ENUM_KW),
        default="active",
        server_default="active",
    )
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[Provider | None] = relationship()
    owner: Mapped[Person | None] = relationship()
    requirements: Mapped[list["Requirement"]] = relationship(back_populates="service")

    def __repr__(self) -> str:
        return f"<Service {self.code}>"


class Requirement(OwnedByOrganisation, Versioned, Base):
    """A service needs a competence at a level, held by at least `min_holders` people."""

    __tablename__ = "requirements"
    organisation_from = "service"
    __table_args__ = (
        UniqueConstraint("service_id", "competence_id"),
        CheckConstraint("required_level BETWEEN 1 AND 5", name="required_level_range"),
        CheckConstraint("min_holders >= 1", name="min_holders_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"), index=True)
    required_level: Mapped[int] = mapped_column(default=3, server_default="3")
    min_holders: Mapped[int] = mapped_column(default=2, server_default="2")
    rationale: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="requirements")
    competence: Mapped[Competence] = relationship()

    def __repr__(self) -> str:
        return f"<Requirement {self.service_id}×{self.competence_id}>"
