"""What the dossiers of a service, a competence and a person show beside the gap figures:
the records, their assignments and holdings (ordered pages memoised on the audit head), and
where a person is needed. A fixed number of queries per call (no N+1).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services import (
    analysed_requirement,
    assigned_on,
    employed_on,
    valid_on,
)
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import Person

STALE_DAYS = rules.STALE_DAYS


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
