"""Attestations (immutable: triggers refuse UPDATE and DELETE) and the throttle of audited
refusals.

Revision ID: 0004_evidence
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_evidence'
down_revision = "0004_sso"
branch_labels = None
depends_on = None

# Copied from registry.audit.models.attestations.IMMUTABLE_DDL (a migration never imports app code
# that may change later).
MESSAGE = "attestations are immutable"
CREATE = {
    "sqlite": (
        "CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        "CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION attestations_immutable() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
        "CREATE TRIGGER attestations_no_update BEFORE UPDATE OR DELETE ON attestations "
        "FOR EACH ROW EXECUTE FUNCTION attestations_immutable()",
    ),
}
DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS attestations_no_delete",
        "DROP TRIGGER IF EXISTS attestations_no_update",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS attestations_no_update ON attestations",
        "DROP FUNCTION IF EXISTS attestations_immutable()",
    ),
}


def upgrade():
    op.create_table(
        'attestations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('horizon', sa.Integer(), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('attester_id', sa.Integer(), nullable=True),
        sa.Column('attester_email', sa.String(length=254), nullable=False),
        sa.Column('attester_name', sa.String(length=200), server_default='', nullable=False),
        sa.Column('attester_role', sa.String(length=20), nullable=True),
        sa.Column('audit_count', sa.Integer(), nullable=False),
        sa.Column('audit_hash', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.Text(), nullable=False),
        sa.Column('report_csv', sa.Text(), nullable=False),
        sa.Column('report_sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attestations')),
    )
    op.create_table(
        'audit_refusal_windows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('repeats', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_email', sa.String(length=254), nullable=True),
        sa.Column('actor_role', sa.String(length=20), nullable=True),
        sa.Column('source', sa.String(length=100), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=True),
        sa.Column('path', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_refusal_windows')),
        sa.UniqueConstraint(
            'actor', 'route', name=op.f('uq_audit_refusal_windows_actor_route')
        ),
    )
    with op.batch_alter_table('audit_refusal_windows', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_audit_refusal_windows_started_at'), ['started_at'], unique=False
        )
    for statement in CREATE.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROP.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    with op.batch_alter_table('audit_refusal_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_refusal_windows_started_at'))
    op.drop_table('audit_refusal_windows')
    op.drop_table('attestations')
