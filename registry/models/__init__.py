"""All models, importable from one place (Alembic and the services need them all)."""

from registry.models.attestations import Attestation
from registry.models.audit import AuditEvent, AuditHead, RefusalWindow
from registry.models.base import Base
from registry.models.catalogue import Competence, Framework
from registry.models.digests import DigestLog
from registry.models.holdings import Holding
from registry.models.mitigations import Mitigation
from registry.models.org import OrgUnit, Person, Provider
from registry.models.results import StoredResult
from registry.models.search import include_object
from registry.models.services import Assignment, Requirement, Service
from registry.models.snapshots import StatusSnapshot
from registry.models.tokens import ApiToken
from registry.models.users import RecoveryCode, User

__all__ = [
    "ApiToken",
    "Attestation",
    "AuditEvent",
    "AuditHead",
    "Assignment",
    "Base",
    "Competence",
    "DigestLog",
    "Framework",
    "Holding",
    "Mitigation",
    "OrgUnit",
    "Person",
    "Provider",
    "RecoveryCode",
    "RefusalWindow",
    "Requirement",
    "Service",
    "StatusSnapshot",
    "StoredResult",
    "User",
    "include_object",
]
