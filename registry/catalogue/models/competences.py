"""The competence catalogue: frameworks with their level labels, and competences.

`name` and `description` are in the organisation's language (Dutch); `name_en` and
`description_en` are optional English versions, shown to users who chose English
(`registry.core.language`)."""

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.catalogue.rules import (
    AREA_MAX,
    COMPETENCE_CODE_MAX,
    FRAMEWORK_KEY_MAX,
    LEVEL_LABEL_MAX,
    NAME_MAX,
)
from registry.core.models import Base, Versioned

LEVELS = (1, 2, 3, 4, 5)


class Framework(Versioned, Base):
    """A competence framework (e-CF 4.0, Feeny–Willcocks, BiSL, the organisation's own)."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(FRAMEWORK_KEY_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(String(NAME_MAX))
    description_en: Mapped[str | None] = mapped_column(Text)
    label_1: Mapped[str | None] = mapped_column(String(LEVEL_LABEL_MAX))
    label_2: Mapped[str | None] = mapped_column(String(LEVEL_LABEL_MAX))
    label_3: Mapped[str | None] = mapped_column(String(LEVEL_LABEL_MAX))
    label_4: Mapped[str | None] = mapped_column(String(LEVEL_LABEL_MAX))
    label_5: Mapped[str | None] = mapped_column(String(LEVEL_LABEL_MAX))

    competences: Mapped[list["Competence"]] = relationship(back_populates="framework")

    def level_label(self, level: int) -> str | None:
        """The framework's own name for a proficiency level, if it has one."""
        return getattr(self, f"label_{level}", None) if level in LEVELS else None

    def __repr__(self) -> str:
        return f"<Framework {self.key}>"


class Competence(Versioned, Base):
    """A commissioning competence; retired ones are kept for history."""

    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(COMPETENCE_CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    framework_id: Mapped[int | None] = mapped_column(ForeignKey("frameworks.id"), index=True)
    area: Mapped[str | None] = mapped_column(String(AREA_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(String(NAME_MAX))
    description_en: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    framework: Mapped[Framework | None] = relationship(back_populates="competences")

    def __repr__(self) -> str:
        return f"<Competence {self.code}>"
