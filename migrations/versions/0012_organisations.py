"""Organisations: several municipalities in one registry.

Creates `organisations` with one organisation (code ORG) and puts every existing record in it;
turns each account's role into a membership of that organisation; makes employee numbers,
service codes and org-unit paths unique within an organisation.

Downgrade: only while the registry holds one organisation (the old schema cannot hold two
people with the same employee number); each account gets back the role of its membership.

Revision ID: 0012_organisations
Revises: 0011_stored_results
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_organisations"
down_revision = "0011_stored_results"
branch_labels = None
depends_on = None

ROLES = ("admin", "editor", "manager", "auditor")
KINDS = ("municipality", "shared_service", "other")

# Owned tables: (table, unique constraint within the organisation or None, the old one).
OWNED = (
    ("org_units", ("path",), "uq_org_units_path"),
    ("people", ("employee_number",), "uq_people_employee_number"),
    ("services", ("code",), "uq_services_code"),
    ("requirements", None, None),
    ("holdings", None, None),
    ("assignments", None, None),
    ("mitigations", None, None),
    ("attestations", None, None),
    ("status_snapshots", None, None),
    ("digest_log", ("recipient", "day"), "uq_digest_log_recipient_day"),
    ("stored_results", ("kind", "as_of", "parameter"), "uq_stored_results_kind_as_of_parameter"),
)

# Statements copied from earlier migrations (a migration never imports app code). On SQLite a
# table is rebuilt to change its constraints, which drops its triggers: they are made again.
PEOPLE_SEARCH_TRIGGERS = (
    "CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN "
    "INSERT INTO people_search(rowid, name, employee_number) "
    "VALUES (new.id, new.name, new.employee_number); END",
    "CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, name, employee_number) "
    "VALUES ('delete', old.id, old.name, old.employee_number); END",
    "CREATE TRIGGER people_search_update AFTER UPDATE OF name, employee_number ON people "
    "BEGIN INSERT INTO people_search(people_search, rowid, name, employee_number) "
    "VALUES ('delete', old.id, old.name, old.employee_number); "
    "INSERT INTO people_search(rowid, name, employee_number) "
    "VALUES (new.id, new.name, new.employee_number); END",
)
ATTESTATION_TRIGGERS = (
    "CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations "
    "BEGIN SELECT RAISE(ABORT, 'attestations are immutable'); END",
    "CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations "
    "BEGIN SELECT RAISE(ABORT, 'attestations are immutable'); END",
)
SQLITE_TRIGGERS = {"people": PEOPLE_SEARCH_TRIGGERS, "attestations": ATTESTATION_TRIGGERS}
SQLITE_TRIGGER_NAMES = {
    "people": ("people_search_insert", "people_search_delete", "people_search_update"),
    "attestations": ("attestations_no_update", "attestations_no_delete"),
}

SNAPSHOT_INDEX_OLD = ("day", "service_id", "provider_id", "status")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild_triggers(table: str) -> None:
    if _sqlite():
        for name in SQLITE_TRIGGER_NAMES.get(table, ()):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_TRIGGERS.get(table, ()):
            op.execute(statement)


def upgrade():
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="kind", native_enum=False, create_constraint=True),
            server_default="municipality",
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.bulk_insert(
        organisations,
        [{"id": 1, "code": "ORG", "name": "Organisatie", "kind": "municipality", "version": 1}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('organisations_id_seq', 1)")

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_memberships_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "user_id", "organisation_id", name=op.f("uq_memberships_user_id_organisation_id")
        ),
    )
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_organisation_id"), ["organisation_id"])
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"])
    op.execute(
        "INSERT INTO memberships (user_id, organisation_id, role) SELECT id, 1, role FROM users"
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.drop_column("role")

    for table, unique, old_unique in OWNED:
        # A constant default fills the existing rows without an UPDATE (attestations refuse
        # every UPDATE); it is dropped again below.
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("organisation_id", sa.Integer(), nullable=False, server_default="1")
            )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("organisation_id", server_default=None)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_organisation_id_organisations"),
                "organisations",
                ["organisation_id"],
                ["id"],
            )
            if unique:
                batch_op.drop_constraint(old_unique, type_="unique")
                batch_op.create_unique_constraint(
                    batch_op.f(f"uq_{table}_organisation_id_{'_'.join(unique)}"),
                    ["organisation_id", *unique],
                )
            if table == "status_snapshots":
                batch_op.drop_index("ix_status_snapshots_day_figures")
                batch_op.create_index(
                    "ix_status_snapshots_day_figures", [*SNAPSHOT_INDEX_OLD, "organisation_id"]
                )
        _rebuild_triggers(table)

    # Audit events are recorded in an organisation, or (NULL) in the region; no foreign key.
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_events SET organisation_id = 1")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_organisation_id"), ["organisation_id"])


def downgrade():
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM organisations")).scalar()
    if count and count > 1:
        raise RuntimeError(
            "This registry holds several organisations; the schema before 0012 can hold one. "
            "Export each organisation and remove all but one before downgrading."
        )
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_organisation_id"))
        batch_op.drop_column("organisation_id")
    for table, unique, old_unique in reversed(OWNED):
        with op.batch_alter_table(table) as batch_op:
            if table == "status_snapshots":
                batch_op.drop_index("ix_status_snapshots_day_figures")
                batch_op.create_index("ix_status_snapshots_day_figures", list(SNAPSHOT_INDEX_OLD))
            if unique:
                batch_op.drop_constraint(
                    f"uq_{table}_organisation_id_{'_'.join(unique)}", type_="unique"
                )
                batch_op.create_unique_constraint(old_unique, list(unique))
            batch_op.drop_constraint(f"fk_{table}_organisation_id_organisations", type_="foreignkey")
            batch_op.drop_column("organisation_id")
        _rebuild_triggers(table)

    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True),
                nullable=False,
                server_default="manager",
            )
        )
    # The role of the account's membership (of the organisation, else of the region).
    op.execute(
        "UPDATE users SET role = COALESCE("
        "(SELECT role FROM memberships m WHERE m.user_id = users.id "
        "AND m.organisation_id IS NOT NULL ORDER BY m.id LIMIT 1), "
        "(SELECT role FROM memberships m WHERE m.user_id = users.id "
        "AND m.organisation_id IS NULL LIMIT 1), 'manager')"
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("role", server_default=None)
    op.drop_table("memberships")
    op.drop_table("organisations")
