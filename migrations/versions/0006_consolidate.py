"""People search index: FTS5 on SQLite, a GIN index on PostgreSQL (see registry/people/models/search.py).

Revision ID: 0004_consolidate
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op

from registry.people.models.search import DROP, SCHEMA

revision = "0004_consolidate"
down_revision = "0004_evidence"
branch_labels = None
depends_on = None


def upgrade():
    for statement in SCHEMA.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROP.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
