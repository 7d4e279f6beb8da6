"""The rules of DESIGN.md as SQL: the predicates every query uses, and the one set-based
statement of the whole gap analysis (SQLAlchemy Core, the same on SQLite and PostgreSQL).

`registry.gaps.rules.gaps` is the pure reference; a property test proves both agree.
"""

from datetime import date

from sqlalchemy import Date, Integer, and_, bindparam, case, cast, func, or_, select, true

from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core import periods
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services.rows import GapFilter, GapRow, report_order
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

# --- the predicates of DESIGN.md as SQL -------------------------------------------------------


def employed_on(day, person=Person):
    """The person is employed on `day` (a date or a bound parameter)."""
    return and_(
        or_(person.start_date.is_(None), person.start_date <= day),
        or_(person.leave_date.is_(None), person.leave_date > day),
    )


def assigned_on(day, assignment=Assignment):
    """The assignment is active on `day`."""
    return and_(
        or_(assignment.start_on.is_(None), assignment.start_on <= day),
        or_(assignment.end_on.is_(None), assignment.end_on > day),
    )


def valid_on(day, holding=Holding):
    """The holding is valid on `day`."""
    return and_(
        or_(holding.assessed_on.is_(None), holding.assessed_on <= day),
        or_(holding.expires_on.is_(None), holding.expires_on > day),
    )


def analysed_requirement():
    """A requirement the analysis covers (with Service and Competence joined): a planned or
    active service, a competence that is not retired."""
    return and_(Service.status.in_(rules.ANALYSED_SERVICE_STATUSES), Competence.retired.is_(False))


def qualifying(
    query, requirement, a=Assignment, h=Holding, p=Person, same_organisation: bool = False
):
    """`query` joined from `requirement` (the columns of a requirement: `Requirement` or a
    subquery's `.c`) to the assignments of its service, each assignee's holding of its
    competence at the required level or above, and the assignee: the people who may count
    for it (add the predicates of the day to the WHERE).

    `same_organisation` (for a statement over every organisation, whose `requirement` has an
    `organisation_id`): only the assignments, holdings and people of the requirement's own
    organisation, exactly what the statement sees when it runs within that organisation
    (`core.tenancy` narrows every owned table to it)."""
    on_a = [a.service_id == requirement.service_id]
    on_h = [
        h.person_id == a.person_id,
        h.competence_id == requirement.competence_id,
        h.level >= requirement.required_level,
    ]
    on_p = [p.id == a.person_id]
    if same_organisation:
        for conditions, table in ((on_a, a), (on_h, h), (on_p, p)):
            conditions.append(table.organisation_id == requirement.organisation_id)
    return query.join(a, and_(*on_a)).join(h, and_(*on_h)).join(p, and_(*on_p))


def held_for_requirements(query):
    """`query`, selecting from Assignment, joined to each requirement of the assigned service
    and to the assignee's holding of its competence, with Person, Service and Competence: the
    path by which a holding counts for a requirement (add `analysed_requirement()` and the
    predicates of the day to the WHERE)."""
    return (
        query.join(Requirement, Requirement.service_id == Assignment.service_id)
        .join(
            Holding,
            and_(
                Holding.person_id == Assignment.person_id,
                Holding.competence_id == Requirement.competence_id,
            ),
        )
        .join(Person, Person.id == Assignment.person_id)
        .join(Service, Service.id == Requirement.service_id)
        .join(Competence, Competence.id == Requirement.competence_id)
    )


def flag(condition):
    return case((condition, 1), else_=0)


def _status_rules(now, later, min_holders):
    """The status rules of docs/DESIGN.md in SQL, in order (the first that holds decides):
    (condition, status) pairs; no pair holding means covered. The one place SQL states them
    (the pure rule is `gaps.rules.status_of`; the property tests prove the two equal)."""
    return (
        (now == 0, rules.UNASSIGNED),
        (later == 0, rules.LEAVING),
        (or_(now < min_holders, later < min_holders), rules.UNDERCOVERED),
    )


def status_of(now, later, min_holders):
    return case(*_status_rules(now, later, min_holders), else_=rules.COVERED)


def severity_of(now, later, min_holders):
    """The status as its severity number."""
    ranked = (
        (condition, rules.SEVERITY[s]) for condition, s in _status_rules(now, later, min_holders)
    )
    return case(*ranked, else_=rules.SEVERITY[rules.COVERED])


def days(as_of: date, horizon: int):
    return (
        bindparam("as_of", as_of, type_=Date),
        bindparam("horizon_end", periods.horizon_end(as_of, horizon), type_=Date),
    )


def analysed(filters: GapFilter | None, name: str = "ar", by_organisation: bool = False):
    """The analysed requirements (planned/active service, competence not retired), with the
    labels every row shows; every filter but the status is applied here, in SQL.
    `by_organisation`: with each requirement's `organisation_id` (a region statement)."""
    f = filters or GapFilter()
    conditions = [analysed_requirement()]
    for values, column in (
        (f.service_ids, Requirement.service_id),
        (f.provider_ids, Service.provider_id),
        (f.criticalities, Service.criticality),
        (f.framework_ids, Competence.framework_id),
        (f.areas, Competence.area),
        (f.competence_ids, Requirement.competence_id),
        (f.requirement_ids, Requirement.id),
    ):
        if values:
            conditions.append(column.in_(list(values)))
    return (
        select(
            Requirement.id.label("rid"),
            Requirement.service_id,
            Requirement.competence_id,
            Requirement.required_level,
            Requirement.min_holders,
            Service.code.label("service_code"),
            Service.name.label("service_name"),
            Service.status.label("service_status"),
            Service.criticality,
            Service.provider_id,
            Service.contract_end,
            Competence.code.label("competence_code"),
            Competence.name.label("competence_name"),
            Competence.name_en.label("competence_name_en"),
            Competence.framework_id,
            Competence.area,
            *([Requirement.organisation_id.label("organisation_id")] if by_organisation else []),
        )
        .join(Service, Service.id == Requirement.service_id)
        .join(Competence, Competence.id == Requirement.competence_id)
        .where(*conditions)
        .cte(name)
    )


def qualified_pairs(ar, d, e, name: str = "pairs", scope=None, by_organisation: bool = False):
    """(requirement, assigned person holding C at ≥ L) with flags: qualified on D, on E, and
    assigned on D while employed and validly holding C on both days (not a candidate).
    `by_organisation`: each requirement with the people of its own organisation only."""
    a, h, p = Assignment, Holding, Person
    on_d = and_(assigned_on(d, a), valid_on(d, h), employed_on(d, p))
    on_e = and_(assigned_on(e, a), valid_on(e, h), employed_on(e, p))
    stable = and_(
        assigned_on(d, a), valid_on(d, h), valid_on(e, h), employed_on(d, p), employed_on(e, p)
    )
    columns = select(
        ar.c.rid,
        a.person_id,
        flag(on_d).label("on_d"),
        flag(on_e).label("on_e"),
        flag(stable).label("stable"),
    )
    stmt = qualifying(columns.select_from(ar), ar.c, same_organisation=by_organisation).where(
        or_(on_d, on_e)
    )
    if scope is not None:  # a few requirements: let the planner start from their services
        # Only the services: a condition on the holding's competence lets SQLite start from
        # the holdings of a popular competence (20,000 of them at region scale, where its
        # statistics, averages without histograms, promise 400) and probe each against every
        # requirement: 3.5 million probes for one competence dossier instead of 17,000.
        stmt = stmt.where(a.service_id.in_(scope[0]))
    return stmt.cte(name)


def _scope(filters: GapFilter | None):
    """For a narrowing filter, the services and competences of the requirements it matches
    (one small query), so the main statement touches only their assignments and holdings."""
    if not (filters and filters.narrows_requirements()):
        return None
    ar = analysed(filters, "scope")
    rows = db.session.execute(select(ar.c.service_id, ar.c.competence_id)).all()
    return sorted({r.service_id for r in rows}) or [-1], sorted(
        {r.competence_id for r in rows}
    ) or [-1]


def holder_counts(pairs, name: str = "counts"):
    """Per requirement of `qualified_pairs`: the number qualified on D (`now`), on E
    (`later`), and assigned on D while validly holding C on both days (`assigned_stable`)."""
    return (
        select(
            pairs.c.rid,
            func.sum(pairs.c.on_d).label("now"),
            func.sum(pairs.c.on_e).label("later"),
            func.sum(pairs.c.stable).label("assigned_stable"),
        )
        .group_by(pairs.c.rid)
        .cte(name)
    )


def _analysis_statement(
    as_of: date,
    horizon: int,
    filters: GapFilter | None,
    by_organisation: bool = False,
    regional: bool = False,
):
    """The whole gap analysis as one statement. `by_organisation`: over every organisation at
    once (run it with `all_organisations=True`), each requirement analysed with its own
    organisation's people as if the statement ran within that organisation, and each row
    with its `organisation_id`; `regional` (with `by_organisation`): and with the number of
    candidates in the other organisations (`regional`, see `regional_counts`)."""
    d, e = days(as_of, horizon)
    ar = analysed(filters, by_organisation=by_organisation)
    scope = _scope(filters)
    pairs = qualified_pairs(ar, d, e, scope=scope, by_organisation=by_organisation)
    counts = holder_counts(pairs)
    # People employed on D and E holding C validly on both days, per competence and level;
    # a requirement's candidates are those at ≥ L minus the ones assigned to its service.
    stable_holders = _stable_holders(d, e, scope[1] if scope else None, by_organisation)
    same_organisation = (
        [stable_holders.c.organisation_id == ar.c.organisation_id] if by_organisation else []
    )
    stable_counts = _at_required_level(ar, stable_holders, "stable_counts", *same_organisation)
    now = cast(func.coalesce(counts.c.now, 0), Integer)
    later = cast(func.coalesce(counts.c.later, 0), Integer)
    candidates = cast(
        func.coalesce(stable_counts.c.n, 0) - func.coalesce(counts.c.assigned_stable, 0), Integer
    )
    columns = (
        select(
            ar,
            Provider.name.label("provider_name"),
            Framework.name.label("framework_name"),
            Framework.name_en.label("framework_name_en"),
            now.label("now"),
            later.label("later"),
            candidates.label("candidates"),
        )
        .select_from(ar)
        .outerjoin(Provider, Provider.id == ar.c.provider_id)
        .outerjoin(Framework, Framework.id == ar.c.framework_id)
        .outerjoin(counts, counts.c.rid == ar.c.rid)
        .outerjoin(stable_counts, stable_counts.c.rid == ar.c.rid)
    )
    if regional:
        # From the same count of holders per organisation: those of the others.
        others, seconded = regional_counts(ar, stable_holders, d, e)
        columns = (
            columns.add_columns(
                cast(func.coalesce(others.c.n, 0) - func.coalesce(seconded.c.n, 0), Integer).label(
                    "regional"
                )
            )
            .outerjoin(others, others.c.rid == ar.c.rid)
            .outerjoin(seconded, seconded.c.rid == ar.c.rid)
        )
    base = columns.subquery("base")
    status = status_of(base.c.now, base.c.later, base.c.min_holders)
    weight = case(rules.CRITICALITY_WEIGHT, value=base.c.criticality, else_=0)
    severity = severity_of(base.c.now, base.c.later, base.c.min_holders)
    stmt = select(
        base, status.label("status"), severity.label("severity"), (severity * weight).label("risk")
    )
    if filters and filters.statuses:
        stmt = stmt.where(status.in_(list(filters.statuses)))
    return stmt


def _stable_holders(
    d, e, competence_ids=None, by_organisation: bool = False, name="stable_holders"
):
    """People employed on D and E holding a competence validly on both days, counted per
    competence and level (`by_organisation`: and per organisation of the person); only of
    `competence_ids` when given."""
    h, p = Holding, Person
    keys = [h.competence_id, h.level]
    on_person = [p.id == h.person_id]
    if by_organisation:
        keys.insert(0, p.organisation_id)
        on_person.append(h.organisation_id == p.organisation_id)
    return (
        select(*keys, func.count().label("n"))
        .join(p, and_(*on_person))
        .where(
            valid_on(d, h),
            valid_on(e, h),
            employed_on(d, p),
            employed_on(e, p),
            h.competence_id.in_(competence_ids) if competence_ids is not None else true(),
        )
        .group_by(*keys)
        .cte(name)
    )


def _at_required_level(ar, holders, name: str, *conditions):
    """Per requirement of `ar`: how many of `holders` (`_stable_holders`, counted per
    competence and level) hold its competence at its required level or above, of those that
    meet `conditions`."""
    return (
        select(ar.c.rid, func.sum(holders.c.n).label("n"))
        .join(
            holders,
            and_(
                holders.c.competence_id == ar.c.competence_id,
                holders.c.level >= ar.c.required_level,
                *conditions,
            ),
        )
        .group_by(ar.c.rid)
        .cte(name)
    )


def regional_counts(ar, holders, d, e, service_ids=None):
    """The candidates of other organisations, per requirement of `ar` (analysed
    `by_organisation`), as two CTEs to subtract: `others`, the people of other organisations
    among `holders` (`_stable_holders` by organisation) at ≥ L, and `seconded`, those of them
    assigned to the requirement's service on D (a secondment: they count for it, so they are
    no candidate). Only the assignments to `service_ids`, when given."""
    others = _at_required_level(
        ar, holders, "others", holders.c.organisation_id != ar.c.organisation_id
    )
    # Secondments first (an assignment of another organisation than its service's: rare),
    # then their holdings: the planner never walks every assignment of the region.
    a, s = Assignment, Service
    away = (
        select(a.person_id, a.service_id)
        .join(s, s.id == a.service_id)
        .where(
            a.organisation_id != s.organisation_id,
            assigned_on(d, a),
            a.service_id.in_(service_ids) if service_ids is not None else true(),
        )
        .cte("away")
    )
    h, p = Holding, Person
    seconded = (
        select(ar.c.rid, func.count().label("n"))
        .join(away, away.c.service_id == ar.c.service_id)
        .join(
            h,
            and_(
                h.person_id == away.c.person_id,
                h.competence_id == ar.c.competence_id,
                h.level >= ar.c.required_level,
            ),
        )
        .join(p, p.id == away.c.person_id)
        .where(
            valid_on(d, h),
            valid_on(e, h),
            employed_on(d, p),
            employed_on(e, p),
            p.organisation_id != ar.c.organisation_id,
        )
        .group_by(ar.c.rid)
        .cte("seconded")
    )
    return others, seconded


def _row(r, as_of: date, end: date) -> GapRow:
    return GapRow(
        requirement_id=r.rid,
        service_id=r.service_id,
        service_code=r.service_code,
        service_name=r.service_name,
        service_status=r.service_status,
        criticality=r.criticality,
        provider_id=r.provider_id,
        provider_name=r.provider_name,
        contract_end=r.contract_end,
        contract_ending=rules.contract_ends_within(r.contract_end, as_of, end),
        competence_id=r.competence_id,
        competence_code=r.competence_code,
        competence_name=r.competence_name,
        framework_id=r.framework_id,
        framework_name=r.framework_name,
        area=r.area,
        required_level=r.required_level,
        min_holders=r.min_holders,
        holders_now=r.now,
        holders_at_horizon=r.later,
        candidates=r.candidates,
        status=r.status,
        severity=r.severity,
        risk=r.risk,
        competence_name_en=r.competence_name_en,
        framework_name_en=r.framework_name_en,
    )


def compute(as_of: date, horizon: int, filters: GapFilter | None) -> list[GapRow]:
    end = periods.horizon_end(as_of, horizon)
    result = db.session.execute(_analysis_statement(as_of, horizon, filters))
    return sorted((_row(r, as_of, end) for r in result), key=report_order)
