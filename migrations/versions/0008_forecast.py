"""The digest log of `registry notify`, and the users' opt-in to the daily digest.

Revision ID: 0004_forecast
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_forecast'
down_revision = "0004_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'digest_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('content_digest', sa.String(length=64), nullable=False),
        sa.Column('gaps', sa.Text(), server_default='[]', nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_log')),
        sa.UniqueConstraint('recipient', 'day', name=op.f('uq_digest_log_recipient_day')),
    )
    with op.batch_alter_table('digest_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_log_recipient'), ['recipient'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('digest_opt_in', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_opt_in')
    with op.batch_alter_table('digest_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_log_recipient'))
    op.drop_table('digest_log')
