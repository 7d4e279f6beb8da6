"""All models, importable from one place (Alembic and the services need them all)."""

from registry.models.audit import AuditEvent, AuditHead
from registry.models.base import Base
from registry.models.catalogue import Competence, Framework
from registry.models.holdings import Holding
from registry.models.mitigations import Mitigation
from registry.models.org import OrgUnit, Person, Provider
from registry.models.services import Assignment, Requirement, Service
from registry.models.snapshots import StatusSnapshot
from registry.models.users import User

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Assignment",
    "Base",
    "Competence",
    "Framework",
    "Holding",
    "Mitigation",
    "OrgUnit",
    "Person",
    "Provider",
    "Requirement",
    "Service",
    "StatusSnapshot",
    "User",
]
