"""Index audit events by (entity, entity_id) for the history tabs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_entity_entity_id', 'audit_events', ['entity', 'entity_id'])


def downgrade():
    op.drop_index('ix_audit_events_entity_entity_id', table_name='audit_events')
