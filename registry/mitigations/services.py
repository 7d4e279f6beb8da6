"""Mitigations: planning and changing them (the web's pages and the API write through here),
the open ones of any set of requirements in one query where gaps are shown, the list of all
mitigations with its filters, and what one person owns.

The rules (active, overdue, accepted until, what an accepted risk needs) are those of
`registry.mitigations.rules`; a mitigation never changes a computed status, so none of this
touches the gap analysis. Writes check their values with `core.checks` and write through
`audit.services.writes` (flush, audit event, `StaleRecord`), as the catalogue's do; deleting a
requirement (`catalogue.delete_requirement`) deletes its mitigations here first, each audited.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import contains_eager

from registry.audit.services import audit, writes
from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core import checks
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.core.limits import MAX_TEXT_LENGTH
from registry.mitigations import rules
from registry.mitigations.models import MITIGATION_KINDS, MITIGATION_STATUSES, Mitigation
from registry.people.models.staff import Person

# Above this many requirements, fetching every active mitigation is cheaper than a long IN.
_IN_LIMIT = 500


@dataclass(frozen=True)
class OpenMitigation:
    """An open or in-progress mitigation as shown beside a requirement's status."""

    id: int
    requirement_id: int
    kind: str
    status: str
    owner_number: str | None
    owner_name: str | None
    due_on: date | None
    risk_expires_on: date | None
    overdue: bool
    accepted_until: date | None  # set while an accepted risk holds on the day shown
    lapsed: bool  # an accepted risk past its expiry date (no longer shown as accepted)


@dataclass(frozen=True)
class GapMitigations:
    """The active mitigations of one requirement on a day, and what they add up to."""

    items: tuple[OpenMitigation, ...] = ()

    @property
    def accepted_until(self) -> date | None:
        """The latest expiry of a risk accepted on the day shown, or None."""
        dates = [m.accepted_until for m in self.items if m.accepted_until]
        return max(dates) if dates else None

    @property
    def in_force(self) -> bool:
        """Whether any mitigation answers the gap (an active one, not a lapsed risk)."""
        return any(not m.lapsed for m in self.items)

    @property
    def overdue(self) -> bool:
        return any(m.overdue for m in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


NONE = GapMitigations()


def _open(m: Mitigation, number, name, day: date) -> OpenMitigation:
    accepted = rules.accepted_until(m.kind, m.status, m.risk_expires_on, day)
    return OpenMitigation(
        id=m.id,
        requirement_id=m.requirement_id,
        kind=m.kind,
        status=m.status,
        owner_number=number,
        owner_name=name,
        due_on=m.due_on,
        risk_expires_on=m.risk_expires_on,
        overdue=rules.is_overdue(m.status, m.due_on, day),
        accepted_until=accepted,
        lapsed=m.kind == rules.ACCEPT_RISK and accepted is None,
    )


def open_for(requirement_ids: Iterable[int], day: date) -> dict[int, GapMitigations]:
    """The open and in-progress mitigations of these requirements on `day`, by requirement id
    (due date first, undated last): one query, whatever the number of requirements."""
    ids = sorted(set(requirement_ids))
    if not ids:
        return {}
    stmt = (
        select(Mitigation, Person.employee_number, Person.name)
        .outerjoin(Person, Person.id == Mitigation.owner_id)
        .where(Mitigation.status.in_(rules.ACTIVE_STATUSES))
        .order_by(Mitigation.due_on.is_(None), Mitigation.due_on, Mitigation.id)
    )
    if len(ids) <= _IN_LIMIT:
        stmt = stmt.where(Mitigation.requirement_id.in_(ids))
    wanted = set(ids)
    found: dict[int, list[OpenMitigation]] = {}
    for m, number, name in db.session.execute(stmt):
        if m.requirement_id in wanted:
            found.setdefault(m.requirement_id, []).append(_open(m, number, name, day))
    return {rid: GapMitigations(tuple(items)) for rid, items in found.items()}


def records(mitigations: GapMitigations | None) -> list[dict]:
    """The `mitigations` of a JSON gap record: codes, ISO dates, the owner's employee number."""
    return [
        {
            "kind": m.kind,
            "status": m.status,
            "owner": m.owner_number,
            "due_on": m.due_on.isoformat() if m.due_on else None,
            "risk_expires_on": m.risk_expires_on.isoformat() if m.risk_expires_on else None,
            "overdue": m.overdue,
        }
        for m in (mitigations.items if mitigations else ())
    ]


# --- the list of all mitigations -------------------------------------------------------------


@dataclass(frozen=True)
class MitigationFilter:
    """Filters of the list page; empty means no restriction."""

    status: str | None = None
    kind: str | None = None
    owner: str | None = None  # an employee number, or part of a name
    overdue: bool = False


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def listing(filters: MitigationFilter, day: date) -> Select:
    """Every mitigation with its service, competence and owner, for `db.paginate`: overdue
    ones first, then by due date (undated last) and service code."""
    m = Mitigation
    overdue = and_(m.status.in_(rules.ACTIVE_STATUSES), m.due_on.is_not(None), m.due_on < day)
    stmt = (
        select(m)
        .join(m.requirement)
        .join(Requirement.service)
        .join(Requirement.competence)
        .outerjoin(m.owner)
        .options(
            contains_eager(m.requirement).contains_eager(Requirement.service),
            contains_eager(m.requirement).contains_eager(Requirement.competence),
            contains_eager(m.owner),
        )
        .order_by(overdue.desc(), m.due_on.is_(None), m.due_on, Service.code, Competence.code, m.id)
    )
    if filters.status:
        stmt = stmt.where(m.status == filters.status)
    if filters.kind:
        stmt = stmt.where(m.kind == filters.kind)
    if filters.owner:
        text = filters.owner.strip()
        stmt = stmt.where(
            or_(Person.employee_number == text, Person.name.ilike(_like(text), escape="\\"))
            if text
            else false()
        )
    if filters.overdue:
        stmt = stmt.where(overdue)
    return stmt


def owned_by(person_id: int, day: date) -> Select:
    """The mitigations one person owns (every status), for "Mijn werk"."""
    return listing(MitigationFilter(), day).where(Mitigation.owner_id == person_id)


# --- filtering and exporting gap rows by their mitigations -----------------------------------

WITHOUT, WITH, ACCEPTED = "without", "with", "accepted"
FILTERS = (WITHOUT, WITH, ACCEPTED)


def keep(rows: list, found: dict[int, GapMitigations], choice: str | None) -> list:
    """The gap rows that match a mitigation filter: `without` (no mitigation in force: none, or
    only a lapsed accepted risk), `with` (at least one in force), `accepted` (a risk accepted
    on the day shown); anything else keeps every row."""
    if choice == WITHOUT:
        return [r for r in rows if not found.get(r.requirement_id, NONE).in_force]
    if choice == WITH:
        return [r for r in rows if found.get(r.requirement_id, NONE).in_force]
    if choice == ACCEPTED:
        return [r for r in rows if found.get(r.requirement_id, NONE).accepted_until]
    return rows


def summary(mitigations: GapMitigations | None, describe) -> str:
    """One spreadsheet cell: each open mitigation on a line of its own. `describe(m)` gives
    the words (translated by the caller)."""
    return "\n".join(describe(m) for m in (mitigations.items if mitigations else ()))


# --- planning and changing mitigations -------------------------------------------------------


def _mitigation_values(fields: dict, stored: Mitigation | None = None) -> dict:
    kind = checks.choice(fields.get("kind"), MITIGATION_KINDS, "kind")
    owner = checks.existing(
        Person, fields.get("owner_id"), "owner_id", _l("This person no longer exists.")
    )
    note = checks.optional(fields.get("note"), "note", MAX_TEXT_LENGTH)
    expires = fields.get("risk_expires_on")
    # The rules of an accepted risk (DESIGN.md "Acting on gaps"), from the pure domain.
    problems = rules.accept_risk_problems(
        kind, note, expires, date.today(), stored.risk_expires_on if stored else None
    )
    if problems:
        message, field = problems[0]
        raise ServiceError(_l(message), field)
    return {
        "kind": kind,
        "owner_id": owner.id if owner else None,
        "due_on": fields.get("due_on"),
        "status": checks.choice(fields.get("status"), MITIGATION_STATUSES, "status"),
        "note": note,
        "risk_expires_on": expires,
    }


def create_mitigation(actor: audit.Actor, requirement: Requirement, **fields) -> Mitigation:
    """Plan a mitigation for a requirement's gap."""
    mitigation = Mitigation(requirement_id=requirement.id, **_mitigation_values(fields))
    return writes.create(actor, "mitigation", mitigation)


def update_mitigation(actor: audit.Actor, mitigation: Mitigation, version, **fields) -> Mitigation:
    """Change a mitigation (its status, owner, due date …)."""
    ensure_version(mitigation, version)
    values = _mitigation_values(fields, mitigation)
    return writes.update(actor, "update", "mitigation", mitigation, values)


def mitigation_of(requirement_id: int, mitigation_id: int) -> Mitigation | None:
    """The mitigation `mitigation_id` if it belongs to that requirement."""
    return db.session.execute(
        select(Mitigation).where(
            Mitigation.id == mitigation_id, Mitigation.requirement_id == requirement_id
        )
    ).scalar_one_or_none()


def requirement_mitigations(requirement: Requirement) -> list[Mitigation]:
    """The mitigations planned for a requirement, oldest first."""
    return list(
        db.session.execute(
            select(Mitigation)
            .where(Mitigation.requirement_id == requirement.id)
            .order_by(Mitigation.id)
        ).scalars()
    )


def delete_requirement_mitigations(actor: audit.Actor, requirement: Requirement) -> None:
    """Delete every mitigation of a requirement that is being deleted, oldest first, each
    audited with its values (`catalogue.delete_requirement`)."""
    for mitigation in requirement_mitigations(requirement):
        writes.delete(actor, "mitigation", mitigation)
