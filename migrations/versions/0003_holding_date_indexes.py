"""Index holdings by assessment and expiry date (the dashboard's stale and expiring lists).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holdings_assessed_on'), ['assessed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_holdings_expires_on'), ['expires_on'], unique=False)


def downgrade():
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holdings_expires_on'))
        batch_op.drop_index(batch_op.f('ix_holdings_assessed_on'))
