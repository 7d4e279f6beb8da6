"""Bulk-insert a pure-domain registry (`registry.gaps.rules.gaps.Registry`) into the database,
keeping its ids: the property tests of the gap analysis and the forecast share it."""

from sqlalchemy import insert

from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps.rules import gaps as rules
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person


def insert_registry(registry: rules.Registry) -> None:
    """Bulk-insert a domain registry, keeping its ids (the caller rolls back)."""
    session = db.session

    organisation_id = tenancy.organisation_for_insert(session)

    def rows(model, items):
        if issubclass(model, tenancy.OwnedByOrganisation):
            items = [item | {"organisation_id": organisation_id} for item in items]
        if items:
            session.execute(insert(model), items)

    rows(OrgUnit, [{"id": u, "name": f"U{u}", "path": f"U{u}"} for u in (1, 2)])
    rows(
        Person,
        [
            {
                "id": p.id,
                "employee_number": f"E{p.id}",
                "name": p.name,
                "start_date": p.start_date,
                "leave_date": p.leave_date,
                "org_unit_id": p.org_unit_id,
            }
            for p in registry.people
        ],
    )
    rows(
        Service,
        [
            {
                "id": s.id,
                "code": s.code,
                "name": s.code,
                "status": s.status,
                "criticality": s.criticality,
                "contract_end": s.contract_end,
            }
            for s in registry.services
        ],
    )
    rows(
        Competence,
        [
            {"id": c.id, "code": c.code, "name": c.code, "retired": c.retired}
            for c in registry.competences
        ],
    )
    rows(
        Requirement,
        [
            {
                "id": r.id,
                "service_id": r.service_id,
                "competence_id": r.competence_id,
                "required_level": r.required_level,
                "min_holders": r.min_holders,
            }
            for r in registry.requirements
        ],
    )
    rows(
        Assignment,
        [
            {
                "person_id": a.person_id,
                "service_id": a.service_id,
                "start_on": a.start_on,
                "end_on": a.end_on,
            }
            for a in registry.assignments
        ],
    )
    rows(
        Holding,
        [
            {
                "person_id": h.person_id,
                "competence_id": h.competence_id,
                "level": h.level,
                "assessed_on": h.assessed_on,
                "expires_on": h.expires_on,
            }
            for h in registry.holdings
        ],
    )
