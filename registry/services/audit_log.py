"""Reading the audit log: filtered listings (filters and paging in SQL), CSV rows, the values
for the filter selects, readable before/after diffs, and the name of the record a history is of.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from registry.extensions import db
from registry.models import (
    Assignment,
    AuditEvent,
    Competence,
    Framework,
    Holding,
    Mitigation,
    OrgUnit,
    Person,
    Provider,
    Requirement,
    Service,
    User,
)

LOCAL_ZONE = "Europe/Amsterdam"
RESULTS = ("success", "failure", "refused")
CSV_COLUMNS = (
    "seq",
    "at_utc",
    "at_local",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "entity",
    "entity_id",
    "result",
    "source",
    "before",
    "after",
    "redacted",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Filters:
    """What the auditor asked for; empty values do not filter. Dates are local calendar days,
    both inclusive."""

    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    result: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def is_history(self) -> bool:
        """The history of one record (the History tab of an entity page)."""
        return bool(self.entity and self.entity_id)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def _utc_start(day: date, zone: str) -> datetime:
    """The UTC moment (naive, as stored) at which local `day` begins."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def query(filters: Filters, zone: str = LOCAL_ZONE) -> Select:
    """The filtered events, newest first."""
    stmt = select(AuditEvent)
    if filters.entity:
        stmt = stmt.where(AuditEvent.entity == filters.entity)
    if filters.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == str(filters.entity_id))
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor_email == filters.actor)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.result:
        stmt = stmt.where(AuditEvent.result == filters.result)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= _utc_start(filters.date_from, zone))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < _utc_start(filters.date_to + timedelta(days=1), zone))
    return stmt.order_by(AuditEvent.seq.desc())


def page(filters: Filters, number: int, per_page: int, zone: str = LOCAL_ZONE):
    """One page of the filtered events (a flask_sqlalchemy Pagination)."""
    return db.paginate(query(filters, zone), page=number, per_page=per_page, error_out=False)


def _distinct(column) -> list[str]:
    return list(
        db.session.execute(
            select(column).where(column.is_not(None)).distinct().order_by(column)
        ).scalars()
    )


def filter_values() -> dict[str, list[str]]:
    """The values that occur in the log, for the filter selects."""
    return {
        "entity": _distinct(AuditEvent.entity),
        "actor": _distinct(AuditEvent.actor_email),
        "action": _distinct(AuditEvent.action),
    }


def event_by_seq(seq: int) -> AuditEvent | None:
    return db.session.execute(select(AuditEvent).where(AuditEvent.seq == seq)).scalar_one_or_none()


def local_time(at: datetime, zone: str = LOCAL_ZONE) -> datetime:
    """A stored (naive UTC) time in the local zone."""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def csv_rows(filters: Filters, zone: str = LOCAL_ZONE) -> Iterator[list]:
    """The header and every filtered event as a CSV row, streamed from the database."""
    yield list(CSV_COLUMNS)
    rows = db.session.execute(query(filters, zone).execution_options(yield_per=1000)).scalars()
    for ev in rows:
        yield [
            ev.seq,
            ev.at.isoformat() + "Z",
            local_time(ev.at, zone).isoformat(),
            ev.actor_id,
            ev.actor_email,
            ev.actor_role,
            ev.action,
            ev.entity,
            ev.entity_id,
            ev.result,
            ev.source,
            ev.before,
            ev.after,
            "true" if ev.redacted else "false",
            ev.prev_hash,
            ev.hash,
        ]


@dataclass(frozen=True)
class FieldChange:
    """One field of an event's before/after values."""

    name: str
    before: object
    after: object
    changed: bool


def _load(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def diff(ev: AuditEvent) -> list[FieldChange]:
    """The event's before/after values field by field (fields in name order)."""
    before, after = _load(ev.before), _load(ev.after)
    if before is None and after is None:
        return []
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return [FieldChange("", before, after, before != after)]
    before, after = before or {}, after or {}
    missing = object()
    rows = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, missing), after.get(name, missing)
        rows.append(
            FieldChange(
                name, None if old is missing else old, None if new is missing else new, old != new
            )
        )
    return rows


# How to name a record in a history title: the model and the attributes that identify it.
def _describe_requirement(r: Requirement) -> str:
    return f"{r.service.code} × {r.competence.code}"


def _describe_assignment(a: Assignment) -> str:
    return f"{a.person.name} → {a.service.code}"


def _describe_holding(h: Holding) -> str:
    return f"{h.person.name} · {h.competence.code}"


DESCRIBE = {
    "provider": (Provider, lambda o: o.name),
    "service": (Service, lambda o: f"{o.name} ({o.code})"),
    "framework": (Framework, lambda o: o.name),
    "competence": (Competence, lambda o: f"{o.name} ({o.code})"),
    "requirement": (Requirement, _describe_requirement),
    "org_unit": (OrgUnit, lambda o: o.path),
    "person": (Person, lambda o: f"{o.name} ({o.employee_number})"),
    "assignment": (Assignment, _describe_assignment),
    "holding": (Holding, _describe_holding),
    "mitigation": (Mitigation, lambda o: f"{_describe_requirement(o.requirement)} #{o.id}"),
    "user": (User, lambda o: o.email),
}


def describe(entity: str | None, entity_id: str | None) -> str | None:
    """A readable name for the record an event is about, or None if it cannot be found."""
    known = DESCRIBE.get(entity or "")
    if known is None or not entity_id or not str(entity_id).isdigit():
        return None
    model, name = known
    record = db.session.get(model, int(entity_id))
    return None if record is None else name(record)
