"""API tokens narrowed to one organisation.

Adds `api_tokens.organisation_id` (nullable): a token with one acts in that organisation only;
without one, in every organisation its user may act in (as before).

Downgrade: the old schema cannot narrow a token, and a narrowed token would then act in every
organisation of its user; such tokens that are still in use are revoked first.

Revision ID: 0013_token_organisation
Revises: 0012_organisations
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_token_organisation"
down_revision = "0012_organisations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_tokens_organisation_id"), ["organisation_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )


def downgrade():
    op.execute(
        sa.text(
            "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP "
            "WHERE organisation_id IS NOT NULL AND revoked_at IS NULL"
        )
    )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_api_tokens_organisation_id"))
        batch_op.drop_column("organisation_id")
