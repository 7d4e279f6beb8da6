"""Read-only queries behind the report pages and dossiers that are not gap figures themselves:
departures, ending contracts, stale and expiring assessments, dossier details, skills matrices,
and successor suggestions for several requirements at once.

Every function issues a fixed number of queries, however many rows it returns (no N+1).
Gap figures come from `registry.gaps.services`.

Why more than 400 lines: the small, independent side queries of several pages; each can
move to a module per page when one grows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from registry.catalogue.models.competences import Competence, Framework
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
from registry.people.models.staff import OrgUnit, Person

STALE_DAYS = rules.STALE_DAYS


# --- dashboard lists -------------------------------------------------------------------------


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


# --- dossiers --------------------------------------------------------------------------------


def find_service(code: str) -> Service | None:
    return db.session.execute(
        select(Service)
        .options(joinedload(Service.provider), joinedload(Service.owner))
        .where(Service.code == code)
    ).scalar_one_or_none()


class MemoisedPage(Pagination):
    """A page of a list whose ids and total are memoised on the audit head (`head_cache`):
    the records themselves are loaded by id on every view, in this session. Made by
    `_memoised_page`; used like the pagination of `db.paginate(…, error_out=False)`."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


def _memoised_page(key: tuple, ids, total, load, page: int, per_page: int) -> MemoisedPage:
    """Page `page` of the records whose ids `ids` (a select of ids, in list order) gives, with
    `total` (a select of their count); `load` is a select of the model with its loader
    options, restricted here to the ids of the page. Ordering a long list (a competence held
    by 20,000 people) costs tens of milliseconds, so the order is kept until the next write."""
    from registry.gaps.services import head_cache

    page = max(page, 1)

    def ids_and_total() -> tuple[tuple[int, ...], int]:
        chosen = db.session.scalars(ids.limit(per_page).offset((page - 1) * per_page)).all()
        return tuple(chosen), db.session.scalar(total) or 0

    chosen, count = head_cache.memo(key + (page, per_page), ids_and_total)
    model = load.column_descriptions[0]["entity"]
    records = {r.id: r for r in db.session.scalars(load.where(model.id.in_(chosen))).unique()}
    items = [records[i] for i in chosen if i in records]
    return MemoisedPage(
        page=page, per_page=per_page, max_per_page=None, error_out=False, items=items, total=count
    )


def service_assignments_page(service_id: int, page: int, per_page: int) -> MemoisedPage:
    """Everyone assigned to the service (past, present, future) by name, with the person
    loaded: one page (a busy service has thousands at region scale)."""
    return _memoised_page(
        ("service assignments", service_id),
        select(Assignment.id)
        .join(Person, Assignment.person)
        .where(Assignment.service_id == service_id)
        .order_by(Person.name, Assignment.id),
        select(func.count()).select_from(Assignment).where(Assignment.service_id == service_id),
        select(Assignment).options(joinedload(Assignment.person)),
        page,
        per_page,
    )


def _with_loaded(model, relation, criterion, order_by, *then) -> list:
    """The rows of `model` matching `criterion`, with `relation` (and the relations `then`
    of what it loads) loaded in the same statement, ordered by `order_by`."""
    load = joinedload(relation)
    for further in then:
        load = load.joinedload(further)
    statement = select(model).join(relation).options(load).where(criterion).order_by(order_by)
    return list(db.session.execute(statement).scalars())


def service_requirements(service_id: int) -> list[Requirement]:
    """Every requirement of the service with its competence, by competence code."""
    return _with_loaded(
        Requirement, Requirement.competence, Requirement.service_id == service_id, Competence.code
    )


def find_competence(code: str) -> Competence | None:
    return db.session.execute(
        select(Competence).options(joinedload(Competence.framework)).where(Competence.code == code)
    ).scalar_one_or_none()


def competence_holdings_page(competence_id: int, page: int, per_page: int) -> MemoisedPage:
    """Everyone holding the competence, highest level first, with person and org unit: one
    page (a popular competence has 20,000 holders at region scale)."""
    return _memoised_page(
        ("competence holdings", competence_id),
        select(Holding.id)
        .join(Person, Holding.person)
        .where(Holding.competence_id == competence_id)
        .order_by(Holding.level.desc(), Person.name, Holding.id),
        select(func.count()).select_from(Holding).where(Holding.competence_id == competence_id),
        select(Holding).options(joinedload(Holding.person).joinedload(Person.org_unit)),
        page,
        per_page,
    )


@dataclass(frozen=True)
class NeededAssignment:
    """A holder assigned (on D) to a service that requires the competence."""

    service_code: str
    service_name: str
    required_level: int


def assignments_where_needed(
    competence_id: int, as_of: date, person_ids: Iterable[int]
) -> dict[int, list]:
    """For each of `person_ids`: the services requiring this competence they are assigned to
    on D."""
    rows = db.session.execute(
        select(Assignment.person_id, Service.code, Service.name, Requirement.required_level)
        .join(Service, Service.id == Assignment.service_id)
        .join(Requirement, Requirement.service_id == Service.id)
        .where(
            Requirement.competence_id == competence_id,
            Assignment.person_id.in_(list(person_ids)),
            assigned_on(as_of),
            Service.status.in_(rules.ANALYSED_SERVICE_STATUSES),
        )
        .order_by(Service.code)
    ).all()
    result: dict[int, list] = defaultdict(list)
    for person_id, code, name, level in rows:
        result[person_id].append(NeededAssignment(code, name, level))
    return result


def find_person(employee_number: str) -> Person | None:
    return db.session.execute(
        select(Person)
        .options(joinedload(Person.org_unit))
        .where(Person.employee_number == employee_number)
    ).scalar_one_or_none()


def person_holdings(person_id: int) -> list[Holding]:
    """The person's holdings with competence and framework, by competence code."""
    return _with_loaded(
        Holding,
        Holding.competence,
        Holding.person_id == person_id,
        Competence.code,
        Competence.framework,
    )


def person_assignments(person_id: int) -> list[Assignment]:
    """The person's assignments (past, present, future) with their service, by service code."""
    return _with_loaded(
        Assignment, Assignment.service, Assignment.person_id == person_id, Service.code
    )


@dataclass(frozen=True)
class Qualification:
    requirement_id: int
    service_code: str
    service_name: str
    competence_code: str
    competence_name: str
    required_level: int
    level: int
    competence_name_en: str | None = None


def person_qualifications(person_id: int, as_of: date) -> list[Qualification]:
    """The analysed requirements this person is qualified for on D."""
    rows = db.session.execute(
        select(
            Requirement.id,
            Service.code,
            Service.name,
            Competence.code,
            Competence.name,
            Requirement.required_level,
            Holding.level,
            Competence.name_en,
        )
        .join(Service, Service.id == Requirement.service_id)
        .join(Competence, Competence.id == Requirement.competence_id)
        .join(Assignment, Assignment.service_id == Service.id)
        .join(
            Holding,
            and_(Holding.person_id == Assignment.person_id, Holding.competence_id == Competence.id),
        )
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Assignment.person_id == person_id,
            analysed_requirement(),
            employed_on(as_of),
            assigned_on(as_of),
            valid_on(as_of),
            Holding.level >= Requirement.required_level,
        )
        .order_by(Service.code, Competence.code)
    ).all()
    return [Qualification(*row) for row in rows]


# --- filter choices and the skills matrix ----------------------------------------------------


def service_choices(analysed_only: bool = False) -> list[tuple[int, str, str]]:
    """(id, code, name) of the services, by name."""
    query = select(Service.id, Service.code, Service.name).order_by(Service.name, Service.code)
    if analysed_only:
        query = query.where(Service.status.in_(rules.ANALYSED_SERVICE_STATUSES))
    return [(row.id, row.code, row.name) for row in db.session.execute(query)]


def provider_choices() -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(select(Provider.id, Provider.name).order_by(Provider.name))
    ]


def framework_choices() -> list[tuple[int, str, str, str | None]]:
    """(id, key, name, English name) of the frameworks, by name."""
    return [
        (row.id, row.key, row.name, row.name_en)
        for row in db.session.execute(
            select(Framework.id, Framework.key, Framework.name, Framework.name_en).order_by(
                Framework.name
            )
        )
    ]


def area_choices() -> list[str]:
    return list(
        db.session.scalars(
            select(Competence.area)
            .where(Competence.area.is_not(None), Competence.area != "")
            .distinct()
            .order_by(Competence.area)
        )
    )


def org_unit_choices() -> list[tuple[int, str]]:
    return [
        (row.id, row.path)
        for row in db.session.execute(select(OrgUnit.id, OrgUnit.path).order_by(OrgUnit.path))
    ]


def people_by_number(numbers) -> dict[str, tuple[int, str]]:
    """employee number → (id, name) for the given numbers that exist."""
    if not numbers:
        return {}
    return {
        number: (pid, name)
        for pid, number, name in db.session.execute(
            select(Person.id, Person.employee_number, Person.name).where(
                Person.employee_number.in_(list(numbers))
            )
        )
    }


def assigned_people(as_of: date, limit: int | None = None) -> list[tuple[int, str, str]]:
    """(id, employee number, name) of staff assigned on D to a planned or active service: the
    people whose departure can change a requirement's status (the first `limit` by name)."""
    return [
        (row.id, row.employee_number, row.name)
        for row in db.session.execute(
            select(Person.id, Person.employee_number, Person.name)
            .where(
                employed_on(as_of),
                Person.id.in_(
                    select(Assignment.person_id)
                    .join(Service, Service.id == Assignment.service_id)
                    .where(assigned_on(as_of), Service.status.in_(rules.ANALYSED_SERVICE_STATUSES))
                ),
            )
            .order_by(Person.name, Person.employee_number)
            .limit(limit)
        )
    ]


@dataclass(frozen=True)
class SkillColumn:
    competence_id: int
    code: str
    name: str
    required_level: int | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class SkillPerson:
    person_id: int
    employee_number: str
    name: str
    role: str | None = None


@dataclass
class SkillsMatrix:
    people: list[SkillPerson]
    columns: list[SkillColumn]
    levels: dict[tuple[int, int], int]  # (person id, competence id) → level valid on D
    total_people: int = 0  # more than len(people) when the list was cut off


def _levels(person_ids, competence_ids, as_of: date) -> dict[tuple[int, int], int]:
    if not person_ids or not competence_ids:
        return {}
    return {
        (p, c): level
        for p, c, level in db.session.execute(
            select(Holding.person_id, Holding.competence_id, Holding.level).where(
                Holding.person_id.in_(person_ids),
                Holding.competence_id.in_(competence_ids),
                valid_on(as_of),
            )
        )
    }


def skills_for_service(service_id: int, as_of: date) -> SkillsMatrix:
    """People assigned to the service on D × the competences it requires."""
    people = [
        SkillPerson(*row)
        for row in db.session.execute(
            select(Person.id, Person.employee_number, Person.name, Assignment.role)
            .join(Assignment, Assignment.person_id == Person.id)
            .where(Assignment.service_id == service_id, assigned_on(as_of), employed_on(as_of))
            .order_by(Person.name)
        )
    ]
    columns = [
        SkillColumn(*row)
        for row in db.session.execute(
            select(
                Competence.id,
                Competence.code,
                Competence.name,
                Requirement.required_level,
                Competence.name_en,
            )
            .join(Requirement, Requirement.competence_id == Competence.id)
            .where(Requirement.service_id == service_id, Competence.retired.is_(False))
            .order_by(Competence.code)
        )
    ]
    levels = _levels([p.person_id for p in people], [c.competence_id for c in columns], as_of)
    return SkillsMatrix(people, columns, levels, len(people))


def skills_for_org_unit(org_unit: OrgUnit, as_of: date, limit: int = 200) -> SkillsMatrix:
    """Staff of the org unit and its sub-units on D × the competences they hold on D."""
    in_unit = select(OrgUnit.id).where(
        or_(OrgUnit.id == org_unit.id, OrgUnit.path.startswith(org_unit.path + " / "))
    )
    staff = (Person.org_unit_id.in_(in_unit), employed_on(as_of))
    total = db.session.scalar(select(func.count()).select_from(Person).where(*staff)) or 0
    people = [
        SkillPerson(*row)
        for row in db.session.execute(
            select(Person.id, Person.employee_number, Person.name, Person.job_title)
            .where(*staff)
            .order_by(Person.name)
            .limit(limit)
        )
    ]
    person_ids = [p.person_id for p in people]
    columns = (
        [
            SkillColumn(cid, code, name, name_en=name_en)
            for cid, code, name, name_en in db.session.execute(
                select(Competence.id, Competence.code, Competence.name, Competence.name_en)
                .where(
                    Competence.retired.is_(False),
                    Competence.id.in_(
                        select(Holding.competence_id).where(
                            Holding.person_id.in_(person_ids), valid_on(as_of)
                        )
                    ),
                )
                .order_by(Competence.code)
            )
        ]
        if person_ids
        else []
    )
    levels = _levels(person_ids, [c.competence_id for c in columns], as_of)
    return SkillsMatrix(people, columns, levels, total)
