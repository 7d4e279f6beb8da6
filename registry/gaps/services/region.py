"""The gap figures of every organisation at once, for the region view, and the candidates in
the region (DESIGN.md, "Region"): each a set-based statement over all organisations (run with
`all_organisations=True`, whatever organisation the request acts in), never a loop over
organisations or gaps.

- `coverage_by_organisation`: the gap analysis of `sql` with every requirement analysed with
  its own organisation's people, grouped by organisation in SQL: requirements, the number per
  status and the coverage, equal to what `analyse()` gives within each organisation;
- `analyse_by_organisation`: the gap analysis's rows of every organisation, each with its
  organisation and its candidates in the other organisations;
- `regional_candidates`: per requirement, the people of OTHER organisations who meet the
  candidate rule (employed on D and E, holding the competence at the required level validly
  on D and E, not assigned to the service on D);
- `regional_candidate_people`: who they are (for those who may read every organisation);
- `regional_candidates_of`: the number beside each gap of a list, for everyone who sees the
  gap, and only in a registry of several organisations.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, and_, cast, exists, func, select
from sqlalchemy.orm import aliased

from registry.catalogue.models.services import Requirement
from registry.core import periods, tenancy
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services import head_cache
from registry.gaps.services.rows import CoverageSummary, GapFilter, GapRow, report_order
from registry.gaps.services.sql import (
    _analysis_statement,
    _row,
    _stable_holders,
    analysed,
    assigned_on,
    days,
    employed_on,
    flag,
    holder_counts,
    qualified_pairs,
    regional_counts,
    status_of,
    valid_on,
)
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

EVERY_ORGANISATION = {"all_organisations": True}


def coverage_by_organisation(as_of: date, horizon: int) -> dict[int, CoverageSummary]:
    """Per organisation id (those with analysed requirements): the number of analysed
    requirements, the number per status and the coverage (covered ÷ requirements, as a
    percentage), as the dashboard computes them within that organisation; one statement,
    grouped by organisation in SQL (only what the statuses need: no candidates)."""
    d, e = days(as_of, horizon)
    ar = analysed(None, by_organisation=True)
    counts = holder_counts(qualified_pairs(ar, d, e, by_organisation=True))
    now = func.coalesce(counts.c.now, 0)
    later = func.coalesce(counts.c.later, 0)
    statuses = (
        select(ar.c.organisation_id, status_of(now, later, ar.c.min_holders).label("status"))
        .select_from(ar)
        .outerjoin(counts, counts.c.rid == ar.c.rid)
        .subquery("statuses")
    )
    stmt = select(
        statuses.c.organisation_id,
        func.count().label("requirements"),
        *(cast(func.sum(flag(statuses.c.status == s)), Integer).label(s) for s in rules.STATUSES),
    ).group_by(statuses.c.organisation_id)
    result = {}
    for r in db.session.execute(stmt.execution_options(**EVERY_ORGANISATION)):
        counted = {s: int(getattr(r, s) or 0) for s in rules.STATUSES}
        share = 100.0 * counted[rules.COVERED] / r.requirements if r.requirements else None
        result[r.organisation_id] = CoverageSummary(
            r.organisation_id, None, int(r.requirements), counted, share
        )
    return result


def analyse_by_organisation(
    as_of: date, horizon: int, statuses: tuple[str, ...] = ()
) -> list[tuple[int, GapRow, int]]:
    """(organisation id, gap row, candidates in other organisations) for every analysed
    requirement of every organisation (only those of `statuses` when given), by organisation
    id, then in report order; one statement. Each row is the row `analyse()` gives within its
    organisation."""
    end = periods.horizon_end(as_of, horizon)
    stmt = _analysis_statement(
        as_of, horizon, GapFilter(statuses=statuses), by_organisation=True, regional=True
    )
    result = db.session.execute(stmt.execution_options(**EVERY_ORGANISATION))
    found = [(r.organisation_id, _row(r, as_of, end), int(r.regional)) for r in result]
    return sorted(found, key=lambda item: (item[0], report_order(item[1])))


def regional_candidates(as_of: date, horizon: int, requirement_ids=None) -> dict[int, int]:
    """Requirement id → the number of people of other organisations than the requirement's
    who meet the candidate rule for it, for these requirements (None: every analysed
    requirement of the region); one statement (with a small query first for a few
    requirements, as the gap analysis does: their services and competences).

    Set-wise: the people employed on D and E who hold C validly on both days, counted per
    organisation, competence and level; those of other organisations at ≥ L, minus those of
    them assigned to the requirement's service on D (`sql.regional_counts`)."""
    ids = None if requirement_ids is None else tuple(requirement_ids)
    if ids == ():
        return {}
    d, e = days(as_of, horizon)
    filters = None if ids is None else GapFilter(requirement_ids=ids)
    ar = analysed(filters, "rar", by_organisation=True)
    scope = _services_and_competences(ar) if ids is not None else None
    holders = _stable_holders(
        d, e, scope[1] if scope else None, by_organisation=True, name="region_holders"
    )
    others, seconded = regional_counts(ar, holders, d, e, scope[0] if scope else None)
    n = func.coalesce(others.c.n, 0) - func.coalesce(seconded.c.n, 0)
    stmt = (
        select(ar.c.rid, cast(n, Integer).label("n"))
        .select_from(ar)
        .outerjoin(others, others.c.rid == ar.c.rid)
        .outerjoin(seconded, seconded.c.rid == ar.c.rid)
    )
    return {
        rid: int(count)
        for rid, count in db.session.execute(stmt.execution_options(**EVERY_ORGANISATION))
    }


def _services_and_competences(ar) -> tuple[list[int], list[int]]:
    """The services and competences of the requirements of `ar` (one small query), so that
    the statement reads only their holdings and assignments."""
    rows = db.session.execute(
        select(ar.c.service_id, ar.c.competence_id).execution_options(**EVERY_ORGANISATION)
    ).all()
    return sorted({r.service_id for r in rows}) or [-1], sorted(
        {r.competence_id for r in rows}
    ) or [-1]


@dataclass(frozen=True)
class RegionalCandidate:
    """A person of another organisation who meets the candidate rule for a requirement."""

    person_id: int
    organisation_id: int
    employee_number: str
    name: str
    level: int


def regional_candidate_people(
    requirement_ids, as_of: date, horizon: int, limit: int | None = None
) -> dict[int, list[RegionalCandidate]]:
    """For each of these requirements, the people of other organisations who meet the
    candidate rule (highest level first, then by name), at most `limit` per requirement;
    one statement. Only for users who may read every organisation (the region view)."""
    ids = tuple(requirement_ids)
    result: dict[int, list[RegionalCandidate]] = {rid: [] for rid in ids}
    if not ids:
        return result
    d, e = days(as_of, horizon)
    r, h, p = Requirement, Holding, Person
    a = aliased(Assignment)
    assigned = exists().where(a.person_id == p.id, a.service_id == r.service_id, assigned_on(d, a))
    rank = (
        func.row_number()
        .over(partition_by=r.id, order_by=(h.level.desc(), p.name, p.id))
        .label("rank")
    )
    ranked = (
        select(r.id.label("rid"), p.id, p.organisation_id, p.employee_number, p.name, h.level, rank)
        .join(h, and_(h.competence_id == r.competence_id, h.level >= r.required_level))
        .join(p, and_(p.id == h.person_id, p.organisation_id != r.organisation_id))
        .where(
            r.id.in_(list(ids)),
            valid_on(d, h),
            valid_on(e, h),
            employed_on(d, p),
            employed_on(e, p),
            ~assigned,
        )
        .subquery("ranked")
    )
    stmt = select(ranked).order_by(ranked.c.rid, ranked.c.rank)
    if limit is not None:
        stmt = stmt.where(ranked.c.rank <= limit)
    for row in db.session.execute(stmt.execution_options(**EVERY_ORGANISATION)):
        result[row.rid].append(
            RegionalCandidate(row.id, row.organisation_id, row.employee_number, row.name, row.level)
        )
    return result


def regional_candidates_of(rows, as_of: date, horizon: int) -> dict[int, int] | None:
    """Requirement id → the number of candidates in other organisations, for these gap rows
    (memoised on the audit head); None in a registry of one organisation, where nothing shows
    the number."""
    if not tenancy.several_organisations():
        return None
    ids = tuple(sorted(row.requirement_id for row in rows))
    return head_cache.memo(
        ("regional_candidates", as_of, horizon, ids),
        lambda: regional_candidates(as_of, horizon, ids),
    )
