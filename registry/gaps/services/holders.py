"""Who holds what for a set of requirements: the people qualified on a day, and successor
suggestions (DESIGN.md), each one statement for any number of requirements."""

from datetime import date

from sqlalchemy import Date, and_, bindparam, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from registry.catalogue.models.services import Requirement
from registry.core.extensions import db
from registry.gaps.services.rows import Holder, SuggestedPerson, resolve
from registry.gaps.services.sql import assigned_on, days, employed_on, qualifying, valid_on
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person


def qualified_holders(
    requirement_ids: list[int], day: date, limit: int | None = None
) -> dict[int, list[Holder]]:
    """For each requirement, the people qualified on `day` with their levels (highest level
    first, then by name), at most `limit` of them; one query for any number of requirements.
    (How many there are in all is the gap row's holders_now or holders_at_horizon.)

    Memoised on the audit head (`head_cache`): a dossier viewed again before the next write
    does not ask again. The lists are shared between requests: never change them."""
    from registry.gaps.services import head_cache  # it builds on the gap cache

    ids = tuple(requirement_ids)
    return head_cache.memo(
        ("qualified_holders", ids, day, limit), lambda: _qualified_holders(ids, day, limit)
    )


def _qualified_holders(
    requirement_ids: tuple[int, ...], day: date, limit: int | None
) -> dict[int, list[Holder]]:
    result: dict[int, list[Holder]] = {rid: [] for rid in requirement_ids}
    if not requirement_ids:
        return result
    d = bindparam("day", day, type_=Date)
    r, a, h, p = Requirement, Assignment, Holding, Person
    columns = select(r.id.label("rid"), p.id, p.employee_number, p.name, h.level)
    stmt = qualifying(columns, r).where(
        r.id.in_(list(requirement_ids)), assigned_on(d, a), valid_on(d, h), employed_on(d, p)
    )
    if limit is not None:
        # The first `limit` per requirement, chosen by the database (a busy service has
        # hundreds of qualified people per requirement at region scale).
        rank = (
            func.row_number()
            .over(partition_by=r.id, order_by=(h.level.desc(), p.name, p.id))
            .label("rank")
        )
        ranked = stmt.add_columns(rank).subquery("ranked")
        stmt = select(
            ranked.c.rid, ranked.c.id, ranked.c.employee_number, ranked.c.name, ranked.c.level
        ).where(ranked.c.rank <= limit)
    for rid, person_id, number, name, level in db.session.execute(stmt):
        result[rid].append(Holder(person_id, number, name, level))
    for holders in result.values():
        holders.sort(key=lambda x: (-x.level, x.name, x.person_id))
    return result


def suggestions_for(
    requirement_ids: list[int],
    as_of: date | None = None,
    horizon: int | None = None,
    limit: int | None = None,
) -> dict[int, list[SuggestedPerson]]:
    """Successor suggestions of DESIGN.md for each requirement, in one query: first the
    candidates, then people who need training; within each, highest level first, then those
    sharing an org unit with a current holder, then by name. `limit` caps each list.

    Memoised on the audit head, like `qualified_holders`: never change the lists."""
    from registry.gaps.services import head_cache  # it builds on the gap cache

    as_of, horizon = resolve(as_of, horizon)
    ids = tuple(requirement_ids)
    return head_cache.memo(
        ("suggestions_for", ids, as_of, horizon, limit),
        lambda: _suggestions_for(ids, as_of, horizon, limit),
    )


def _suggestions_for(
    requirement_ids: tuple[int, ...], as_of: date, horizon: int, limit: int | None
) -> dict[int, list[SuggestedPerson]]:
    result: dict[int, list[SuggestedPerson]] = {rid: [] for rid in requirement_ids}
    if not requirement_ids:
        return result
    d, e = days(as_of, horizon)
    r, h, p = Requirement, Holding, Person
    a = aliased(Assignment)
    assigned_on_d = exists().where(
        a.person_id == p.id, a.service_id == r.service_id, assigned_on(d, a)
    )
    is_candidate = and_(h.level >= r.required_level, valid_on(e, h), ~assigned_on_d)
    # The org units of the people qualified on D (the current holders).
    ca, ch, cp = aliased(Assignment), aliased(Holding), aliased(Person)
    shares_unit = exists().where(
        ca.service_id == r.service_id,
        assigned_on(d, ca),
        ch.person_id == ca.person_id,
        ch.competence_id == r.competence_id,
        ch.level >= r.required_level,
        valid_on(d, ch),
        cp.id == ca.person_id,
        employed_on(d, cp),
        cp.org_unit_id == p.org_unit_id,
    )
    stmt = (
        select(
            r.id,
            p.id,
            p.employee_number,
            p.name,
            h.level,
            case((is_candidate, literal("candidate")), else_=literal("training")),
            and_(p.org_unit_id.is_not(None), shares_unit),
        )
        .join(h, h.competence_id == r.competence_id)
        .join(p, p.id == h.person_id)
        .where(
            r.id.in_(list(requirement_ids)),
            valid_on(d, h),
            employed_on(d, p),
            employed_on(e, p),
            or_(is_candidate, h.level < r.required_level),
        )
    )
    for rid, person_id, number, name, level, kind, shares in db.session.execute(stmt):
        result[rid].append(SuggestedPerson(person_id, number, name, level, kind, bool(shares)))
    for people in result.values():
        people.sort(
            key=lambda s: (
                s.kind != "candidate",
                -s.level,
                not s.shares_org_unit,
                s.name,
                s.person_id,
            )
        )
        if limit is not None:
            del people[limit:]
    return result


def suggestions(
    requirement_id: int, as_of: date | None = None, horizon: int | None = None
) -> list[SuggestedPerson]:
    """Successor suggestions of DESIGN.md for one requirement."""
    return suggestions_for([requirement_id], as_of, horizon)[requirement_id]
