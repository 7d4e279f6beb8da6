"""Organisation: the org-unit tree and the people (staff records)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core import limits
from registry.core.models import Base, Versioned
from registry.core.tenancy import OwnedByOrganisation
from registry.people import rules as people_rules


class OrgUnit(OwnedByOrganisation, Versioned, Base):
    """A node in the tree directorate › department › team; `path` is its unique full name."""

    __tablename__ = "org_units"
    __table_args__ = (UniqueConstraint("organisation_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(people_rules.ORG_UNIT_NAME_MAX))
    path: Mapped[str] = mapped_column(String(people_rules.ORG_UNIT_PATH_MAX))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.path}>"


class Person(OwnedByOrganisation, Versioned, Base):
    """A member of staff (medewerker). People are never deleted: they get a leave date."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("organisation_id", "employee_number"),
        CheckConstraint(
            "leave_date IS NULL OR start_date IS NULL OR leave_date >= start_date",
            name="leave_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(limits.EMPLOYEE_NUMBER_MAX_LENGTH))
    name: Mapped[str] = mapped_column(String(people_rules.PERSON_NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(people_rules.EMAIL_MAX))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(people_rules.JOB_TITLE_MAX))
    start_date: Mapped[date | None]
    leave_date: Mapped[date | None] = mapped_column(index=True)
    anonymised_at: Mapped[datetime | None]

    org_unit: Mapped[OrgUnit | None] = relationship()

    def __repr__(self) -> str:
        return f"<Person {self.employee_number}>"
