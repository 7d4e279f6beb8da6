"""Holdings: a person's assessed proficiency in a competence."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Service
from registry.core.models import Base, Versioned
from registry.core.tenancy import OwnedByOrganisation
from registry.people import rules as people_rules
from registry.people.models.staff import Person


class Holding(OwnedByOrganisation, Versioned, Base):
    """A person holds a competence at a level (1–5), valid from assessment until expiry."""

    __tablename__ = "holdings"
    organisation_from = "person"
    __table_args__ = (
        # A municipality's holdings of a competence, where a registry holds several.
        Index(
            "ix_holdings_organisation_id_competence_id_level",
            "organisation_id",
            "competence_id",
            "level",
        ),
        UniqueConstraint("person_id", "competence_id"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint(
            "expires_on IS NULL OR assessed_on IS NULL OR expires_on >= assessed_on",
            name="expires_after_assessed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"), index=True)
    level: Mapped[int]
    # Indexed for the dashboard's stale and expiring assessments.
    assessed_on: Mapped[date | None] = mapped_column(index=True)
    expires_on: Mapped[date | None] = mapped_column(index=True)
    assessed_by: Mapped[str | None] = mapped_column(String(people_rules.ASSESSED_BY_MAX))
    evidence: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    competence: Mapped[Competence] = relationship()

    def __repr__(self) -> str:
        return f"<Holding {self.person_id}:{self.competence_id}@{self.level}>"


class Assignment(OwnedByOrganisation, Versioned, Base):
    """A person assigned to commission a service, in a role; end_on is the first day off it."""

    __tablename__ = "assignments"
    organisation_from = "person"
    __table_args__ = (
        Index("ix_assignments_organisation_id_service_id", "organisation_id", "service_id"),
        UniqueConstraint("person_id", "service_id"),
        CheckConstraint(
            "end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="end_after_start"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(people_rules.ROLE_MAX))
    start_on: Mapped[date | None]
    end_on: Mapped[date | None]

    person: Mapped[Person] = relationship()
    service: Mapped[Service] = relationship()

    def __repr__(self) -> str:
        return f"<Assignment {self.person_id}→{self.service_id}>"
