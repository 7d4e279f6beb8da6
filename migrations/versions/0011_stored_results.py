"""Stored results: full gap analyses and forecasts kept for the next process.

Revision ID: 0011_stored_results
Revises: 0010_bilingual
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_stored_results"
down_revision = "0010_bilingual"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("parameter", sa.Integer(), nullable=False),
        sa.Column("head_count", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_results")),
        sa.UniqueConstraint(
            "kind", "as_of", "parameter", name=op.f("uq_stored_results_kind_as_of_parameter")
        ),
    )


def downgrade():
    op.drop_table("stored_results")
