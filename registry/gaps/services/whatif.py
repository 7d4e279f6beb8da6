"""Key people and what-if: how departures change the figures. The current analysis (cached)
gives the figures before; only the records of the people concerned are read."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from registry.core import periods
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services.analysis import analyse
from registry.gaps.services.rows import GapRow, WhatIfResult, coverage, resolve
from registry.gaps.services.sql import analysed, days, qualified_pairs, severity_of
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person


def key_people(
    as_of: date | None = None, horizon: int | None = None, person_ids: Iterable[int] | None = None
) -> set[int]:
    """Ids of the people whose departure on D alone would worsen a requirement's status:
    for some requirement they are qualified on D or E, and the status without them (one fewer
    now and/or later) is worse. One statement; `person_ids` only narrows the answer."""
    as_of, horizon = resolve(as_of, horizon)
    if person_ids is not None:
        person_ids = set(person_ids)
        if len(person_ids) <= _FEW_PEOPLE:
            return _key_among(person_ids, as_of, horizon)
    d, e = days(as_of, horizon)
    ar = analysed(None)
    pairs = qualified_pairs(ar, d, e)
    counts = (
        select(
            pairs.c.rid, func.sum(pairs.c.on_d).label("now"), func.sum(pairs.c.on_e).label("later")
        )
        .group_by(pairs.c.rid)
        .cte("counts")
    )
    m = ar.c.min_holders
    stmt = (
        select(pairs.c.person_id)
        .distinct()
        .join(counts, counts.c.rid == pairs.c.rid)
        .join(ar, ar.c.rid == pairs.c.rid)
        .where(
            severity_of(counts.c.now - pairs.c.on_d, counts.c.later - pairs.c.on_e, m)
            > severity_of(counts.c.now, counts.c.later, m)
        )
    )
    if person_ids is not None:
        stmt = stmt.where(pairs.c.person_id.in_(list(person_ids)))
    return set(db.session.execute(stmt).scalars())


_FEW_PEOPLE = 200


def _key_among(person_ids: set[int], as_of: date, horizon: int) -> set[int]:
    """Key people among a few: each one's departure on D tried on the current analysis
    (cached), reading only their own records."""
    if not person_ids:
        return set()
    rows = {row.requirement_id: row for row in analyse(as_of, horizon)}
    hypothesis = _Hypothesis(
        list(rows.values()), _records_of(person_ids), as_of, periods.horizon_end(as_of, horizon)
    )
    key = set()
    for pid in hypothesis.people:
        for rid, (dn, dl, dc) in hypothesis.deltas({pid: as_of}, {}).items():
            row = rows[rid]
            after = _with_figures(
                row, row.holders_now + dn, row.holders_at_horizon + dl, row.candidates + dc
            )
            if after.severity > row.severity:
                key.add(pid)
                break
    return key


def what_if(
    departures: dict[int, date],
    assignment_ends: dict[tuple[int, int], date] | None = None,
    as_of: date | None = None,
    horizon: int | None = None,
) -> WhatIfResult:
    """Hypothetical leave dates (person id → date) and assignment ends ((person id, service id)
    → date), each taking effect when earlier than the real one; nothing is written.

    The current analysis (cached) gives the figures before; only the records of the people
    concerned are read to work out what changes, so the cost does not grow with the registry.
    """
    as_of, horizon = resolve(as_of, horizon)
    assignment_ends = assignment_ends or {}
    end = periods.horizon_end(as_of, horizon)
    rows = analyse(as_of, horizon)
    people_ids = set(departures) | {person for person, _ in assignment_ends}
    if not people_ids:
        return WhatIfResult([], coverage(rows), coverage(rows))

    records = _records_of(people_ids)
    deltas = _Hypothesis(rows, records, as_of, end).deltas(departures, assignment_ends)

    worsened, covered_after = [], 0
    for row in rows:
        after_row = row
        if row.requirement_id in deltas:
            dn, dl, dc = deltas[row.requirement_id]
            after_row = _with_figures(
                row, row.holders_now + dn, row.holders_at_horizon + dl, row.candidates + dc
            )
            if after_row.severity > row.severity:
                worsened.append((row, after_row))
        covered_after += after_row.status == rules.COVERED
    after_coverage = 100.0 * covered_after / len(rows) if rows else None
    return WhatIfResult(worsened, coverage(rows), after_coverage)


class _Hypothesis:
    """Works out how hypothetical leave dates and assignment ends change the figures of the
    analysed requirements, from the records of the people concerned alone."""

    def __init__(self, rows: list[GapRow], records, as_of: date, end: date):
        self.people, self.holdings, self.assignments = records
        self.as_of, self.end = as_of, end
        self.by_competence: dict[int, list[GapRow]] = {}
        for row in rows:
            self.by_competence.setdefault(row.competence_id, []).append(row)

    def deltas(
        self, departures: dict[int, date], assignment_ends: dict[tuple[int, int], date]
    ) -> dict[int, list[int]]:
        """requirement id → [Δ now, Δ later, Δ candidates] for the requirements that change."""
        deltas: dict[int, list[int]] = {}
        for pid, person in self.people.items():
            if pid not in departures and not any(p == pid for p, _ in assignment_ends):
                continue
            real = self.assignments[pid]
            hyp_person = (
                replace(person, leave_date=_earlier(person.leave_date, departures[pid]))
                if pid in departures
                else person
            )
            hyp = [
                replace(a, end_on=_earlier(a.end_on, assignment_ends[(pid, a.service_id)]))
                if (pid, a.service_id) in assignment_ends
                else a
                for a in real
            ]
            for competence_id, holding in self.holdings[pid].items():
                for row in self.by_competence.get(competence_id, ()):
                    before = self._figures(person, holding, real, row)
                    after = self._figures(hyp_person, holding, hyp, row)
                    if before != after:
                        delta = deltas.setdefault(row.requirement_id, [0, 0, 0])
                        for i in range(3):
                            delta[i] += after[i] - before[i]
        return deltas

    def _figures(self, person, holding, assignments, row) -> tuple[int, int, int]:
        """(qualified on D, qualified on E, candidate) of one person for one requirement."""
        if holding.level < row.required_level:
            return 0, 0, 0
        on = [a for a in assignments if a.service_id == row.service_id]

        def qualified(day):
            return int(
                rules.employed(person, day)
                and rules.holding_valid(holding, day)
                and any(rules.assignment_active(a, day) for a in on)
            )

        candidate = (
            rules.employed(person, self.as_of)
            and rules.employed(person, self.end)
            and rules.holding_valid(holding, self.as_of)
            and rules.holding_valid(holding, self.end)
            and not any(rules.assignment_active(a, self.as_of) for a in on)
        )
        return qualified(self.as_of), qualified(self.end), int(candidate)


def _earlier(current: date | None, hypothetical: date) -> date:
    return hypothetical if current is None else min(current, hypothetical)


def _with_figures(row: GapRow, now: int, later: int, candidates: int) -> GapRow:
    status = rules.status_of(now, later, row.min_holders)
    severity = rules.SEVERITY[status]
    return replace(
        row,
        holders_now=now,
        holders_at_horizon=later,
        candidates=candidates,
        status=status,
        severity=severity,
        risk=severity * rules.CRITICALITY_WEIGHT[row.criticality],
    )


def _records_of(people_ids: set[int]):
    """The people, their holdings and their assignments, as domain data (three queries)."""
    ids = list(people_ids)
    people = {
        row.id: rules.Person(row.id, row.start_date, row.leave_date, row.name, row.org_unit_id)
        for row in db.session.execute(
            select(
                Person.id, Person.start_date, Person.leave_date, Person.name, Person.org_unit_id
            ).where(Person.id.in_(ids))
        )
    }
    holdings: dict[int, dict[int, rules.Holding]] = {pid: {} for pid in people}
    for row in db.session.execute(
        select(
            Holding.person_id,
            Holding.competence_id,
            Holding.level,
            Holding.assessed_on,
            Holding.expires_on,
        ).where(Holding.person_id.in_(ids))
    ):
        holdings[row.person_id][row.competence_id] = rules.Holding(*row)
    assignments: dict[int, list[rules.Assignment]] = {pid: [] for pid in people}
    for a in db.session.execute(
        select(
            Assignment.person_id, Assignment.service_id, Assignment.start_on, Assignment.end_on
        ).where(Assignment.person_id.in_(ids))
    ):
        assignments[a.person_id].append(rules.Assignment(*a))
    return people, holdings, assignments
