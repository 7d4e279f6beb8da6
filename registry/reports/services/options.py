"""The report filters' choices (services, providers, frameworks, areas, org units, people)
and the skills matrices of a service or an org unit. A fixed number of queries per call.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.gaps.services import (
    assigned_on,
    employed_on,
    valid_on,
)
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person

STALE_DAYS = rules.STALE_DAYS


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
