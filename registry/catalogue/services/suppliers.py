"""The register of suppliers and contracts (BIO2 5.19–5.22): every outsourced service with its
provider, contract dates, owner, criticality, status, coverage on the as-of date and its open
mitigations. A fixed number of queries, however many services (no N+1)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core import periods
from registry.core.extensions import db
from registry.gaps import services as gaps
from registry.gaps.rules import gaps as rules
from registry.mitigations.models import Mitigation
from registry.people.models.staff import Person

OPEN_MITIGATIONS = ("open", "in_progress")


@dataclass(frozen=True)
class SupplierRow:
    """One outsourced service in the register."""

    service_id: int
    service_code: str
    service_name: str
    status: str
    criticality: str
    provider_name: str | None
    provider_kind: str | None
    contract_start: date | None
    contract_end: date | None
    contract_ending: bool
    owner_name: str | None
    owner_number: str | None
    requirements: int
    covered: int
    coverage: float | None  # None: not analysed (retired) or no requirements
    gaps: int
    open_mitigations: int
    overdue_mitigations: int


def register(as_of: date, horizon: int) -> list[SupplierRow]:
    """Every service (retired ones too: the register keeps ended contracts), by provider and
    service name; coverage and gaps as of `as_of` with `horizon`."""
    owner = aliased(Person)
    services = db.session.execute(
        select(
            Service.id,
            Service.code,
            Service.name,
            Service.status,
            Service.criticality,
            Provider.name,
            Provider.kind,
            Service.contract_start,
            Service.contract_end,
            owner.name,
            owner.employee_number,
        )
        .outerjoin(Provider, Provider.id == Service.provider_id)
        .outerjoin(owner, owner.id == Service.owner_id)
        .order_by(func.coalesce(Provider.name, ""), Service.name, Service.code)
    ).all()
    mitigations = {
        service_id: (open_, overdue)
        for service_id, open_, overdue in db.session.execute(
            select(
                Requirement.service_id,
                func.count(Mitigation.id),
                func.count(Mitigation.id).filter(Mitigation.due_on < as_of),
            )
            .join(Mitigation, Mitigation.requirement_id == Requirement.id)
            .where(Mitigation.status.in_(OPEN_MITIGATIONS))
            .group_by(Requirement.service_id)
        )
    }
    coverage = gaps.coverage_by_service(gaps.analyse(as_of, horizon))
    end = periods.horizon_end(as_of, horizon)
    rows = []
    for s in services:
        summary = coverage.get(s[0])
        open_, overdue = mitigations.get(s[0], (0, 0))
        rows.append(
            SupplierRow(
                service_id=s[0],
                service_code=s[1],
                service_name=s[2],
                status=s[3],
                criticality=s[4],
                provider_name=s[5],
                provider_kind=s[6],
                contract_start=s[7],
                contract_end=s[8],
                contract_ending=rules.contract_ends_within(s[8], as_of, end) and s[3] != "retired",
                owner_name=s[9],
                owner_number=s[10],
                requirements=summary.requirements if summary else 0,
                covered=summary.covered if summary else 0,
                coverage=summary.coverage if summary else None,
                gaps=(summary.requirements - summary.covered) if summary else 0,
                open_mitigations=open_,
                overdue_mitigations=overdue,
            )
        )
    return rows
