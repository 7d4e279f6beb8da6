"""Reading the audit log: filtered listings (filters and paging in SQL), CSV rows, the values
for the filter selects, readable before/after diffs, and the name of the record a history is of.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from registry.accounts.models.users import User
from registry.audit.models.attestations import Attestation
from registry.audit.models.audit import AuditEvent
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.extensions import db
from registry.mitigations.models import Mitigation
from registry.organisations.models import Organisation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person

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
    "membership": (User, lambda o: o.email),  # a membership's events name its account
    "organisation": (Organisation, lambda o: f"{o.name} ({o.code})"),
}


def describe(entity: str | None, entity_id: str | None) -> str | None:
    """A readable name for the record an event is about, or None if it cannot be found."""
    known = DESCRIBE.get(entity or "")
    if known is None or not entity_id or not str(entity_id).isdigit():
        return None
    model, name = known
    record = db.session.get(model, int(entity_id))
    return None if record is None else name(record)


# --- names instead of ids, for a whole page in one query -------------------------------------

# Which kind of record a reference field of a before/after value points at.
REFERENCE_FIELDS = {
    "owner_id": "person",
    "person_id": "person",
    "service_id": "service",
    "competence_id": "competence",
    "provider_id": "provider",
    "framework_id": "framework",
    "org_unit_id": "org_unit",
    "parent_id": "org_unit",
    "requirement_id": "requirement",
}


def _as_text(column):
    return cast(column, String)


def _name_select(kind: str, ids: list[int]):
    """SELECT kind, id, name, key for the records of one kind (key: what its page is found by)."""
    svc, comp = Service.__table__, Competence.__table__
    name: ColumnElement[str]
    id_column: InstrumentedAttribute[int]  # the records' id, to select the ids asked for
    if kind == "provider":
        stmt = select(Provider.id, Provider.name, _as_text(Provider.id))
        id_column = Provider.id
    elif kind == "service":
        stmt, id_column = select(Service.id, Service.name, Service.code), Service.id
    elif kind == "framework":
        stmt, id_column = select(Framework.id, Framework.name, _as_text(Framework.id)), Framework.id
    elif kind == "competence":
        stmt, id_column = select(Competence.id, Competence.name, Competence.code), Competence.id
    elif kind == "org_unit":
        stmt, id_column = select(OrgUnit.id, OrgUnit.path, _as_text(OrgUnit.id)), OrgUnit.id
    elif kind == "person":
        stmt, id_column = select(Person.id, Person.name, Person.employee_number), Person.id
    elif kind in ("user", "membership"):
        name = func.coalesce(func.nullif(User.name, ""), User.email)
        stmt, id_column = select(User.id, name, User.email), User.id
    elif kind == "organisation":
        stmt = select(Organisation.id, Organisation.name, Organisation.code)
        id_column = Organisation.id
    elif kind == "attestation":
        name = "#" + _as_text(Attestation.id) + " · " + _as_text(Attestation.as_of)
        stmt = select(Attestation.id, name, _as_text(Attestation.id))
        id_column = Attestation.id
    elif kind == "requirement":
        name = svc.c.code + " × " + comp.c.code
        stmt = (
            select(Requirement.id, name, _as_text(Requirement.id))
            .join(svc, svc.c.id == Requirement.service_id)
            .join(comp, comp.c.id == Requirement.competence_id)
        )
        id_column = Requirement.id
    elif kind == "mitigation":
        name = svc.c.code + " × " + comp.c.code
        stmt = (
            select(Mitigation.id, name, _as_text(Mitigation.id))
            .join(Requirement, Requirement.id == Mitigation.requirement_id)
            .join(svc, svc.c.id == Requirement.service_id)
            .join(comp, comp.c.id == Requirement.competence_id)
        )
        id_column = Mitigation.id
    elif kind == "assignment":
        name = Person.name + " → " + svc.c.code
        stmt = (
            select(Assignment.id, name, _as_text(Assignment.id))
            .join(Person, Person.id == Assignment.person_id)
            .join(svc, svc.c.id == Assignment.service_id)
        )
        id_column = Assignment.id
    elif kind == "holding":
        name = Person.name + " · " + comp.c.code
        stmt = (
            select(Holding.id, name, _as_text(Holding.id))
            .join(Person, Person.id == Holding.person_id)
            .join(comp, comp.c.id == Holding.competence_id)
        )
        id_column = Holding.id
    else:
        return None
    columns = list(stmt.selected_columns)
    return stmt.with_only_columns(
        cast(literal(kind), String(40)).label("kind"),
        columns[0].label("id"),
        _as_text(columns[1]).label("name"),
        _as_text(columns[2]).label("key"),
        maintain_column_froms=True,
    ).where(id_column.in_(ids))


@dataclass(frozen=True)
class Named:
    """A record referred to by the audit log: its kind, id, readable name and page key."""

    kind: str
    id: int
    name: str
    key: str


def _ids(value) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def references(events) -> set[tuple[str, int]]:
    """Every (kind, id) the events refer to: their record, their actor, and reference fields
    in their before/after values."""
    pairs: set[tuple[str, int]] = set()
    for ev in events:
        if ev.entity in DESCRIBE or ev.entity == "attestation":
            number = _ids(ev.entity_id)
            if number is not None:
                pairs.add((ev.entity, number))
        if ev.actor_id is not None:
            pairs.add(("user", ev.actor_id))
        for values in (_load(ev.before), _load(ev.after)):
            if not isinstance(values, dict):
                continue
            for name, kind in REFERENCE_FIELDS.items():
                number = _ids(values.get(name))
                if number is not None:
                    pairs.add((kind, number))
    return pairs


def names(pairs: set[tuple[str, int]]) -> dict[tuple[str, int], Named]:
    """Readable names of the records in `pairs`, in ONE query however many there are."""
    by_kind: dict[str, list[int]] = {}
    for kind, number in pairs:
        by_kind.setdefault(kind, []).append(number)
    selects = [
        stmt
        for kind, ids in sorted(by_kind.items())
        if (stmt := _name_select(kind, sorted(ids))) is not None
    ]
    if not selects:
        return {}
    # Called untyped: mypy 1.x crashes inferring union_all's generic signature here.
    combine: Any = union_all
    statement = combine(*selects) if len(selects) > 1 else selects[0]
    return {
        (row.kind, int(row.id)): Named(row.kind, int(row.id), row.name, row.key)
        for row in db.session.execute(statement)
    }
