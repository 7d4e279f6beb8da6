"""Org units: the tree of directorates, departments and teams, and its choices and counts."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.accounts.models.users import User
from registry.audit.services import audit, writes
from registry.core.errors import ServiceError, ensure_version
from registry.core.extensions import db
from registry.gaps.services.sql import employed_on
from registry.people.models.staff import OrgUnit, Person
from registry.people.services._records import _clean, _references
from registry.transfer.rules.interchange import PATH_SEPARATOR


def org_unit_paths(exclude: OrgUnit | None = None) -> list[tuple[int, str]]:
    """(id, path) of every org unit, by path; `exclude` leaves out a unit and its sub-units."""
    query = select(OrgUnit.id, OrgUnit.path).order_by(OrgUnit.path)
    if exclude is not None:
        query = query.where(
            OrgUnit.id != exclude.id,
            ~OrgUnit.path.startswith(exclude.path + PATH_SEPARATOR, autoescape=True),
        )
    return [(row.id, row.path) for row in db.session.execute(query)]


def _unit_path(name: str, parent: OrgUnit | None) -> str:
    return name if parent is None else parent.path + PATH_SEPARATOR + name


def _check_unit(name: str | None, parent: OrgUnit | None, unit: OrgUnit | None) -> str:
    if not name:
        raise ServiceError(_l("A name is required."), "name")
    if PATH_SEPARATOR.strip() in name:
        raise ServiceError(
            _l("A name cannot contain a slash (/): it separates the levels of the path."), "name"
        )
    if (
        unit is not None
        and parent is not None
        and (parent.id == unit.id or parent.path.startswith(unit.path + PATH_SEPARATOR))
    ):
        raise ServiceError(
            _l("An org unit cannot be placed under itself or one of its own sub-units."),
            "parent_id",
        )
    path = _unit_path(name, parent)
    other = db.session.execute(select(OrgUnit).where(OrgUnit.path == path)).scalar_one_or_none()
    if other is not None and other is not unit:
        raise ServiceError(_l("%(path)s already exists.", path=path), "name")
    return path


def _parent(parent_id) -> OrgUnit | None:
    if parent_id is None:
        return None
    parent = db.session.get(OrgUnit, parent_id)
    if parent is None:
        raise ServiceError(_l("This org unit no longer exists; choose another."), "parent_id")
    return parent


def create_org_unit(actor: audit.Actor, name: str | None, parent_id: int | None) -> OrgUnit:
    """Add a directorate, department or team."""
    name, parent = _clean(name), _parent(parent_id)
    path = _check_unit(name, parent, None)
    return writes.create(
        actor,
        "org_unit",
        OrgUnit(name=name, parent=parent, path=path),
        _l("%(path)s already exists.", path=path),
        "name",
    )


def update_org_unit(
    actor: audit.Actor, unit: OrgUnit, version, name: str | None, parent_id: int | None
) -> OrgUnit:
    """Rename or move a unit; the paths of all its sub-units follow."""
    ensure_version(unit, version)
    name, parent = _clean(name), _parent(parent_id)
    path = _check_unit(name, parent, unit)
    old_prefix = unit.path + PATH_SEPARATOR
    descendants = (
        db.session.execute(
            select(OrgUnit).where(OrgUnit.path.startswith(old_prefix, autoescape=True))
        )
        .scalars()
        .all()
    )
    before = {u.id: audit.snapshot(u) for u in (unit, *descendants)}
    unit.name, unit.parent, unit.path = name, parent, path
    for child in descendants:
        child.path = path + PATH_SEPARATOR + child.path[len(old_prefix) :]
    writes.flush(unit, _l("%(path)s already exists.", path=path), "name")
    for record in (unit, *descendants):
        writes.record_changes(actor, "update", "org_unit", record, before[record.id])
    return unit


@dataclass(frozen=True)
class UnitUsage:
    children: int
    people: int
    accounts: int

    @property
    def unused(self) -> bool:
        return not (self.children or self.people or self.accounts)


def unit_usage(unit: OrgUnit) -> UnitUsage:
    """Count what refers to an org unit (one query)."""
    return UnitUsage(*_references(unit.id, OrgUnit.parent_id, Person.org_unit_id, User.org_unit_id))


def delete_org_unit(actor: audit.Actor, unit: OrgUnit, version) -> None:
    """Remove an org unit that has no sub-units, people or accounts, in the version the user
    saw."""
    ensure_version(unit, version)
    if not unit_usage(unit).unused:
        raise ServiceError(
            _l("%(path)s still has sub-units, people or accounts; move them first.", path=unit.path)
        )
    writes.delete(actor, "org_unit", unit)


def org_unit_by_id(unit_id: int | None) -> OrgUnit | None:
    return db.session.get(OrgUnit, unit_id) if unit_id else None


def org_units_with_headcount(day: date | None = None) -> list[tuple[OrgUnit, int]]:
    """Every org unit by path, with the number of its people employed on `day` (one query)."""
    day = day or date.today()
    employed = (
        select(Person.org_unit_id, func.count().label("n"))
        .where(employed_on(day))
        .group_by(Person.org_unit_id)
        .subquery()
    )
    return [
        (unit, count)
        for unit, count in db.session.execute(
            select(OrgUnit, func.coalesce(employed.c.n, 0))
            .outerjoin(employed, employed.c.org_unit_id == OrgUnit.id)
            .order_by(OrgUnit.path)
        )
    ]
