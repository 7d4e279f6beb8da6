"""The forecast of DESIGN.md ("Forecast"), as a pure reference implementation.

For every analysed requirement and a window of N days from D, q(T) is the number of people
qualified on day T (the rules of `registry.gaps.rules.gaps`). q can only change on a date stored
in the registry (start, leave, assignment start and end, assessed, expires), so this module
evaluates the rules on D and on each of those dates inside the window — never day by day.
The set-based SQL in `registry.gaps.services.forecast` must agree with it (a property test
checks both against a brute-force evaluation of every day).

Plain data in, plain data out: no Flask, no SQLAlchemy.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from registry.gaps.rules import gaps as rules

DEFAULT_DAYS = 365
MAX_DAYS = 3650

# Why a qualified person stops counting on a day: the three "first day no longer" dates.
LEAVES, ASSIGNMENT_ENDS, ASSESSMENT_EXPIRES = "leaves", "assignment_ends", "assessment_expires"
CAUSE_KINDS = (LEAVES, ASSIGNMENT_ENDS, ASSESSMENT_EXPIRES)


@dataclass(frozen=True)
class Cause:
    """One reason for the first shortfall: `person_id` stops counting on `on` because of
    `kind` (they leave, their assignment ends, or their assessment expires that day)."""

    kind: str
    person_id: int
    on: date


@dataclass(frozen=True)
class Forecast:
    """The forecast of one analysed requirement over [D, D + N]."""

    requirement_id: int
    service_code: str
    competence_code: str
    required_level: int
    min_holders: int
    holders_now: int
    first_short_on: date | None
    first_empty_on: date | None
    steps: tuple[tuple[date, int], ...]
    causes: tuple[Cause, ...]  # empty when short on D already, or never short


def window_end(as_of: date, days: int) -> date:
    """The last day of the window, D + N."""
    return as_of + timedelta(days=days)


class Forecasted(Protocol):
    """What `sort_key` reads: a Forecast here, or the service layer's row with labels."""

    @property
    def first_short_on(self) -> date | None: ...
    @property
    def service_code(self) -> str: ...
    @property
    def competence_code(self) -> str: ...


class CauseLike(Protocol):
    """What `cause_order` reads: a Cause here, or the service layer's cause with a name."""

    @property
    def kind(self) -> str: ...
    @property
    def person_id(self) -> int: ...


def sort_key(item: Forecasted) -> tuple[bool, date, str, str]:
    """`first_short_on` (empty last), then service code, then competence code."""
    return (
        item.first_short_on is None,
        item.first_short_on or date.min,
        item.service_code,
        item.competence_code,
    )


def cause_order(cause: CauseLike) -> tuple[int, int]:
    return (CAUSE_KINDS.index(cause.kind), cause.person_id)


def _change_dates(
    registry: rules.Registry, requirement: rules.Requirement, first: date, last: date
) -> list[date]:
    """Every stored date in [first, last] that could change q for this requirement."""
    found: set[date | None] = set()
    people = {a.person_id for a in registry.assignments if a.service_id == requirement.service_id}
    for a in registry.assignments:
        if a.service_id == requirement.service_id:
            found.update((a.start_on, a.end_on))
    for h in registry.holdings:
        if h.competence_id == requirement.competence_id and h.person_id in people:
            found.update((h.assessed_on, h.expires_on))
    for p in registry.people:
        if p.id in people:
            found.update((p.start_date, p.leave_date))
    return sorted(d for d in found if d is not None and first <= d <= last)


def _causes(
    registry: rules.Registry, requirement: rules.Requirement, lost: set[int], day: date
) -> tuple[Cause, ...]:
    """Why the people in `lost` no longer count on `day`."""
    causes: list[Cause] = []
    for person in registry.people:
        if person.id in lost and person.leave_date == day:
            causes.append(Cause(LEAVES, person.id, day))
    for a in registry.assignments:
        if a.person_id in lost and a.service_id == requirement.service_id and a.end_on == day:
            causes.append(Cause(ASSIGNMENT_ENDS, a.person_id, day))
    for h in registry.holdings:
        if (
            h.person_id in lost
            and h.competence_id == requirement.competence_id
            and h.expires_on == day
        ):
            causes.append(Cause(ASSESSMENT_EXPIRES, h.person_id, day))
    return tuple(sorted(causes, key=cause_order))


def forecast_requirement(
    registry: rules.Registry,
    requirement: rules.Requirement,
    as_of: date,
    days: int,
    index: "rules._Index | None" = None,
) -> Forecast:
    """The forecast of one requirement (it must be analysed)."""
    index = index or rules._Index(registry)
    last = window_end(as_of, days)
    qualified_now = rules.qualified(index, requirement, as_of)
    m = requirement.min_holders
    steps, previous, people = [], len(qualified_now), qualified_now
    first_short = as_of if len(qualified_now) < m else None
    first_empty = as_of if not qualified_now else None
    causes: tuple[Cause, ...] = ()
    for day in _change_dates(registry, requirement, as_of + timedelta(days=1), last):
        current = rules.qualified(index, requirement, day)
        q = len(current)
        if q != previous:
            steps.append((day, q))
        if first_short is None and q < m:
            first_short = day
            causes = _causes(registry, requirement, people - current, day)
        if first_empty is None and q == 0:
            first_empty = day
        previous, people = q, current
    return Forecast(
        requirement_id=requirement.id,
        service_code=index.services[requirement.service_id].code,
        competence_code=index.competences[requirement.competence_id].code,
        required_level=requirement.required_level,
        min_holders=m,
        holders_now=len(qualified_now),
        first_short_on=first_short,
        first_empty_on=first_empty,
        steps=tuple(steps),
        causes=causes,
    )


def compute_forecast(
    registry: rules.Registry, as_of: date, days: int = DEFAULT_DAYS
) -> list[Forecast]:
    """Every analysed requirement's forecast, ordered as DESIGN.md's `registry forecast`."""
    index = rules._Index(registry)
    return sorted(
        (forecast_requirement(registry, r, as_of, days, index) for r in rules.analysed(registry)),
        key=sort_key,
    )
