"""English names and descriptions of frameworks and competences.

Optional columns: the stored name and description stay in the organisation's language (Dutch).

Revision ID: 0010_bilingual
Revises: 0004_actions
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_bilingual'
down_revision = '0004_actions'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns without a default: existing rows simply have no English version yet.
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=True))
    with op.batch_alter_table('competences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('competences', schema=None) as batch_op:
        batch_op.drop_column('description_en')
        batch_op.drop_column('name_en')
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.drop_column('description_en')
        batch_op.drop_column('name_en')
