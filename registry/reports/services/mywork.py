"""Mijn werk: what one person (linked to the logged-in account) is answerable for: the services
they own, the mitigations they own, and the impact of their own registered departure."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.gaps.services import CoverageSummary, WhatIfResult
from registry.mitigations import rules as mitigation_rules
from registry.mitigations import services as mitigations
from registry.mitigations.models import Mitigation
from registry.people.models.staff import Person


@dataclass(frozen=True)
class OwnedService:
    service: Service
    summary: CoverageSummary | None  # None: nothing analysed (retired, or no requirements)


@dataclass(frozen=True)
class Departure:
    """The person's registered leave date and what their leaving then does to the figures."""

    leave_date: date
    last_day: date
    impact: WhatIfResult | None  # None when they have already left


def owned_services(person_id: int, as_of: date, horizon: int | None) -> list[OwnedService]:
    """The services this person owns, each with its coverage on `as_of` (cached analysis)."""
    services = list(
        db.session.execute(
            select(Service).where(Service.owner_id == person_id).order_by(Service.name)
        ).scalars()
    )
    if not services:
        return []
    by_service = gaps.coverage_by_service(
        gaps.analyse(as_of, horizon, service_ids=[s.id for s in services])
    )
    return [OwnedService(s, by_service.get(s.id)) for s in services]


def owned_mitigations(person_id: int, as_of: date) -> list[Mitigation]:
    """The open and in-progress mitigations this person owns, overdue first."""
    stmt = mitigations.owned_by(person_id, as_of).where(
        Mitigation.status.in_(mitigation_rules.ACTIVE_STATUSES)
    )
    return list(db.session.execute(stmt).unique().scalars())


def departure(person: Person, today: date) -> Departure | None:
    """The impact of the person's registered departure, measured on their last working day:
    the requirements whose status that day would be worse without them (`gaps.what_if`)."""
    if person.leave_date is None:
        return None
    last_day = person.leave_date - timedelta(days=1)
    if person.leave_date <= today:
        return Departure(person.leave_date, last_day, None)
    impact = gaps.what_if({person.id: last_day}, None, last_day, 0)
    return Departure(person.leave_date, last_day, impact)
