"""The digest log: which e-mail digest went to whom on which day (`registry notify`)."""

from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import Base, utcnow
from registry.core.tenancy import OwnedByOrganisation


class DigestLog(OwnedByOrganisation, Base):
    """One digest sent: at most one per recipient and day, so a second run sends nothing."""

    __tablename__ = "digest_log"
    __table_args__ = (UniqueConstraint("organisation_id", "recipient", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased e-mail
    day: Mapped[date]
    # SHA-256 of the rendered plain text: what exactly was sent can be proven later.
    content_digest: Mapped[str] = mapped_column(String(64))
    # The requirement ids that were gaps in this digest (JSON array): the next digest
    # reports only gaps that are new since.
    gaps: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
