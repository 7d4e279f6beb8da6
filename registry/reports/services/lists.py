"""The dashboard's lists beside the gap figures: departures and what they take, contracts
ending or ended, stale and expiring assessments. Each function issues a fixed number of
queries, however many rows it returns (no N+1); gap figures come from `registry.gaps.services`.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core import periods
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services import (
    analysed_requirement,
    assigned_on,
    employed_on,
    held_for_requirements,
    valid_on,
)
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

STALE_DAYS = rules.STALE_DAYS

STALE_DAYS = rules.STALE_DAYS


@dataclass(frozen=True)
class Departure:
    """Someone leaving within the horizon and the requirements they are qualified for now."""

    person_id: int
    employee_number: str
    name: str
    job_title: str | None
    leave_date: date
    requirement_ids: tuple[int, ...]


def qualifications(as_of: date, person_ids=None, leaving_until: date | None = None):
    """(person id, requirement id) pairs: who is qualified for which analysed requirement on D.

    Restrict to `person_ids` (a list or a subquery), or to people leaving after D and on or
    before `leaving_until`.
    """
    query = held_for_requirements(select(Assignment.person_id, Requirement.id)).where(
        analysed_requirement(),
        employed_on(as_of),
        assigned_on(as_of),
        valid_on(as_of),
        Holding.level >= Requirement.required_level,
    )
    if person_ids is not None:
        query = query.where(Assignment.person_id.in_(person_ids))
    if leaving_until is not None:
        query = query.where(Person.leave_date > as_of, Person.leave_date <= leaving_until)
    return db.session.execute(query).all()


def leaving_people(as_of: date, horizon: int) -> tuple[list[Departure], int]:
    """People who leave within the horizon while qualified for a requirement today (by leave
    date), and how many people leave within the horizon in all."""
    end = periods.horizon_end(as_of, horizon)
    pairs = qualifications(as_of, leaving_until=end)
    by_person: dict[int, list[int]] = defaultdict(list)
    for person_id, requirement_id in pairs:
        by_person[person_id].append(requirement_id)
    leaving = (
        Person.leave_date > as_of,
        Person.leave_date <= end,
        or_(Person.start_date.is_(None), Person.start_date <= as_of),
    )
    total = db.session.scalar(select(func.count()).select_from(Person).where(*leaving))
    people = db.session.execute(
        select(Person.id, Person.employee_number, Person.name, Person.job_title, Person.leave_date)
        .where(Person.id.in_(list(by_person)))
        .order_by(Person.leave_date, Person.name)
    ).all()
    return [
        Departure(
            p.id, p.employee_number, p.name, p.job_title, p.leave_date, tuple(by_person[p.id])
        )
        for p in people
    ], total or 0


@dataclass(frozen=True)
class ContractEnd:
    service_id: int
    code: str
    name: str
    provider_name: str | None
    criticality: str
    contract_end: date


def _contracts(*conditions) -> list[ContractEnd]:
    rows = db.session.execute(
        select(
            Service.id,
            Service.code,
            Service.name,
            Provider.name,
            Service.criticality,
            Service.contract_end,
        )
        .outerjoin(Provider, Service.provider)
        .where(
            Service.status.in_(rules.ANALYSED_SERVICE_STATUSES),
            Service.contract_end.is_not(None),
            *conditions,
        )
        .order_by(Service.contract_end, Service.code)
    ).all()
    return [ContractEnd(*row[:5], contract_end=row.contract_end) for row in rows]


def ending_contracts(as_of: date, horizon: int) -> list[ContractEnd]:
    """Planned or active services whose contract ends from D up to and including D + H,
    soonest first. A contract that ended before D is not "ending": see `ended_contracts`."""
    end = periods.horizon_end(as_of, horizon)
    return _contracts(Service.contract_end >= as_of, Service.contract_end <= end)


def ended_contracts(as_of: date) -> list[ContractEnd]:
    """Planned or active services whose contract ended before D: still in use without a
    current contract, or a contract end nobody updated. Most recent first."""
    return list(reversed(_contracts(Service.contract_end < as_of)))


@dataclass(frozen=True)
class HoldingLine:
    person_id: int
    employee_number: str
    person_name: str
    competence_code: str
    competence_name: str
    level: int
    assessed_on: date | None
    expires_on: date | None
    competence_name_en: str | None = None


@dataclass
class Listing:
    """The first few items of a longer list, and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _holding_listing(conditions, order, limit: int) -> Listing:
    base = (
        select(Holding.id)
        .join(Person, Holding.person)
        .join(Competence, Holding.competence)
        .where(*conditions)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        select(
            Person.id,
            Person.employee_number,
            Person.name,
            Competence.code,
            Competence.name,
            Holding.level,
            Holding.assessed_on,
            Holding.expires_on,
            Competence.name_en,
        )
        .join(Person, Holding.person)
        .join(Competence, Holding.competence)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
    ).all()
    return Listing([HoldingLine(*row) for row in rows], total or 0)


def stale_assessments(as_of: date, limit: int = 10) -> Listing:
    """Holdings of current staff assessed more than 730 days before D (oldest first)."""
    return _holding_listing(
        (
            employed_on(as_of),
            Competence.retired.is_(False),
            Holding.assessed_on < as_of - timedelta(days=STALE_DAYS),
        ),
        (Holding.assessed_on, Person.name, Competence.code),
        limit,
    )


def expiring_holdings(as_of: date, horizon: int, limit: int = 10) -> Listing:
    """Holdings of current staff that expire after D and on or before D + H (soonest first)."""
    return _holding_listing(
        (
            employed_on(as_of),
            Competence.retired.is_(False),
            Holding.expires_on > as_of,
            Holding.expires_on <= periods.horizon_end(as_of, horizon),
        ),
        (Holding.expires_on, Person.name, Competence.code),
        limit,
    )
