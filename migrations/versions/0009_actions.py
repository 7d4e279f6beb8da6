"""Daily snapshots of each analysed requirement's status (the trend page).

Revision ID: 0004_actions
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_actions'
down_revision = "0004_forecast"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('status_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('unassigned', 'leaving', 'undercovered', 'covered', name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('holders_now', sa.Integer(), nullable=False),
    sa.Column('holders_at_horizon', sa.Integer(), nullable=False),
    sa.Column('horizon', sa.Integer(), nullable=False),
    sa.Column('computed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_snapshots')),
    sa.UniqueConstraint('day', 'requirement_id', name=op.f('uq_status_snapshots_day_requirement_id'))
    )
    with op.batch_alter_table('status_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_status_snapshots_day_figures', ['day', 'service_id', 'provider_id', 'status'], unique=False)
        batch_op.create_index('ix_status_snapshots_service_id_day', ['service_id', 'day', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('status_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_status_snapshots_service_id_day')
        batch_op.drop_index('ix_status_snapshots_day_figures')

    op.drop_table('status_snapshots')
