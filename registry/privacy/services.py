"""Privacy duties (AVG): anonymise people who left long ago, and export a person's own data.

Anonymising replaces a person's identifying fields (domain.privacy.PERSONAL_FIELDS) with a
stable pseudonym and keeps everything else (dates, org unit, holdings, assignments), so their
competence history still counts in trends. The audit events that hold those fields are
redacted through `audit.redact` (one redaction event, so the chain still verifies), and each
anonymised person gets an `anonymise` event of their own, without the old values.
Flushes, never commits.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.catalogue.models.services import Requirement, Service
from registry.core.extensions import db
from registry.core.models import utcnow
from registry.gaps.services import store
from registry.mitigations.models import Mitigation
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person
from registry.privacy import rules

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "kennisborg-person/1"
CHUNK = 500  # ids per IN list, well below every database's parameter limit


@dataclass(frozen=True)
class Leaver:
    """A person due for anonymisation, as the dry run lists them."""

    id: int
    employee_number: str
    name: str
    leave_date: date


@dataclass
class Outcome:
    """What an anonymisation did (or, in a dry run, would do)."""

    left_before: date
    people: list[Leaver] = field(default_factory=list)
    redacted_events: int = 0
    dry_run: bool = True


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def default_left_before(today: date | None = None) -> date:
    """Today minus the configured retention term (RETENTION_DAYS)."""
    days = int(current_app.config["RETENTION_DAYS"])
    return rules.default_left_before(today or date.today(), days)


def leavers(left_before: date, limit: int | None = None) -> list[Leaver]:
    """People who left before `left_before` and are not anonymised yet, earliest first."""
    query = (
        select(Person.id, Person.employee_number, Person.name, Person.leave_date)
        .where(Person.leave_date < left_before, Person.anonymised_at.is_(None))
        .order_by(Person.leave_date, Person.employee_number)
    )
    if limit is not None:
        query = query.limit(limit)
    # The query leaves out people without a leave date.
    return [
        Leaver(person_id, number, name, left)
        for person_id, number, name, left in db.session.execute(query)
        if left is not None
    ]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _route_condition(numbers: list[str]):
    """Refused-request events whose path names one of these employee numbers."""
    return and_(
        AuditEvent.entity == "route",
        or_(
            *(
                AuditEvent.after.like(f"%/people/{n}{end}%", escape="\\")
                for n in numbers
                for end in ('"', "/")
            )
        ),
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _events_to_redact(people: list[Leaver]) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for chunk in _chunks(people):
        ids = [str(p.id) for p in chunk]
        numbers = [_escape_like(p.employee_number) for p in chunk]
        events.extend(
            db.session.execute(
                select(AuditEvent)
                .where(
                    or_(
                        and_(AuditEvent.entity == "person", AuditEvent.entity_id.in_(ids)),
                        _route_condition(numbers),
                    )
                )
                .order_by(AuditEvent.seq)
            ).scalars()
        )
    return events


def anonymise(actor: audit.Actor, left_before: date, dry_run: bool = False) -> Outcome:
    """Anonymise everyone who left before `left_before` (a dry run only lists them)."""
    outcome = Outcome(left_before=left_before, people=leavers(left_before), dry_run=dry_run)
    if dry_run or not outcome.people:
        return outcome
    key = _key()
    by_id = {p.id: p for p in outcome.people}
    now = utcnow()
    for chunk in _chunks(list(by_id)):
        for person in db.session.execute(select(Person).where(Person.id.in_(chunk))).scalars():
            number = rules.pseudonym(person.employee_number, key)
            person.employee_number, person.name = number, number
            person.email, person.job_title = None, None
            person.anonymised_at = now
    db.session.flush()
    store.clear()  # stored forecasts name who causes a shortfall: computed anew from here on
    events = _events_to_redact(outcome.people)
    person_events = [e for e in events if e.entity == "person"]
    route_events = [e for e in events if e.entity == "route"]
    reason = f"anonymised: left before {left_before.isoformat()}"
    for redact_events, fields in (
        (person_events, rules.PERSONAL_FIELDS),
        (route_events, ("path",)),
    ):
        redaction = audit.redact(actor, redact_events, fields, reason)
        if redaction is not None and redaction.after is not None:
            outcome.redacted_events += len(json.loads(redaction.after)["events"])
    for person_id, leaver in by_id.items():
        person = db.session.get_one(Person, person_id)
        audit.record(
            actor,
            "anonymise",
            "person",
            person_id,
            after={
                "employee_number": person.employee_number,
                "leave_date": leaver.leave_date.isoformat(),
                "left_before": left_before.isoformat(),
            },
        )
    outcome.dry_run = False
    logger.info(
        "anonymised people who left before %s",
        left_before.isoformat(),
        extra={"count": len(by_id), "entity": "person"},
    )
    return outcome


def _iso(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def export_person(actor: audit.Actor, person: Person) -> dict:
    """Everything the registry holds about `person`, as plain data; the export is audited."""
    assignments = db.session.execute(
        select(Assignment, Service.code, Service.name)
        .join(Service, Service.id == Assignment.service_id)
        .where(Assignment.person_id == person.id)
        .order_by(Service.code)
    ).all()
    holdings = db.session.execute(
        select(Holding)
        .options(joinedload(Holding.competence))
        .where(Holding.person_id == person.id)
        .order_by(Holding.id)
    ).scalars()
    owned = db.session.execute(
        select(Service.code, Service.name).where(Service.owner_id == person.id)
    ).all()
    mitigations = db.session.execute(
        select(Mitigation)
        .options(
            joinedload(Mitigation.requirement).joinedload(Requirement.service),
            joinedload(Mitigation.requirement).joinedload(Requirement.competence),
        )
        .where(Mitigation.owner_id == person.id)
        .order_by(Mitigation.id)
    ).scalars()
    accounts = db.session.execute(select(User).where(User.person_id == person.id)).scalars()
    events = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.entity == "person", AuditEvent.entity_id == str(person.id))
        .order_by(AuditEvent.seq)
    ).scalars()
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat() + "Z",
        "person": {
            "employee_number": person.employee_number,
            "name": person.name,
            "email": person.email,
            "job_title": person.job_title,
            "org_unit": person.org_unit.path if person.org_unit else None,
            "start_date": _iso(person.start_date),
            "leave_date": _iso(person.leave_date),
            "anonymised_at": _iso(person.anonymised_at),
        },
        "assignments": [
            {
                "service": code,
                "service_name": name,
                "role": a.role,
                "start_on": _iso(a.start_on),
                "end_on": _iso(a.end_on),
            }
            for a, code, name in assignments
        ],
        "holdings": [
            {
                "competence": h.competence.code,
                "competence_name": h.competence.name,
                "level": h.level,
                "assessed_on": _iso(h.assessed_on),
                "expires_on": _iso(h.expires_on),
                "assessed_by": h.assessed_by,
                "evidence": h.evidence,
            }
            for h in holdings
        ],
        "services_owned": [{"service": code, "service_name": name} for code, name in owned],
        "mitigations_owned": [
            {
                "service": m.requirement.service.code,
                "competence": m.requirement.competence.code,
                "kind": m.kind,
                "status": m.status,
                "due_on": _iso(m.due_on),
                "note": m.note,
            }
            for m in mitigations
        ],
        "user_accounts": [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "active": u.active,
                "created_at": _iso(u.created_at),
                "last_login_at": _iso(u.last_login_at),
            }
            for u in accounts
        ],
        "audit_events": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "action": e.action,
                "actor": e.actor_email,
                "before": e.before,
                "after": e.after,
                "redacted": e.redacted,
            }
            for e in events
        ],
    }
    audit.record(actor, "export", "person", person.id, after={"format": EXPORT_FORMAT})
    return data
