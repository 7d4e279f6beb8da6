"""The role table of DESIGN.md, as one mapping. Every route check goes through `can`."""

from enum import StrEnum

ROLES = ("admin", "editor", "manager", "auditor")


class Permission(StrEnum):
    """What a role may do; each names one row of the role table."""

    READ = "read"  # read everything, including reports and exports
    EDIT_REGISTRY = "edit_registry"  # catalogue, services, requirements, people, … import
    EDIT_MITIGATIONS = "edit_mitigations"
    AUDIT = "audit"  # audit log and chain verification
    MANAGE_USERS = "manage_users"
    DELETE_RECORDS = "delete_records"  # hard deletes, after confirmation (admins only)
    REVIEW_ACCESS = "review_access"  # read the access review (BIO 5.18): admins and auditors
    MANAGE_PRIVACY = "manage_privacy"  # anonymisation and personal data exports (admins only)


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "editor": frozenset({Permission.READ, Permission.EDIT_REGISTRY, Permission.EDIT_MITIGATIONS}),
    "manager": frozenset({Permission.READ, Permission.EDIT_MITIGATIONS}),
    "auditor": frozenset({Permission.READ, Permission.AUDIT, Permission.REVIEW_ACCESS}),
}


def can(role: str | None, permission: Permission) -> bool:
    """Whether `role` grants `permission`; unknown roles and anonymous visitors get nothing."""
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())
