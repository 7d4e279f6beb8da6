"""People search index: FTS5 on SQLite, a GIN index on PostgreSQL.

Revision ID: 0004_consolidate
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op

revision = "0004_consolidate"
down_revision = "0004_evidence"
branch_labels = None
depends_on = None

# The statements as they were when this migration was written: a migration never reads
# application code, which may change after it (today's copy: the people search models).
SCHEMA = {
    "postgresql": (
        "CREATE INDEX ix_people_search ON people USING gin (to_tsvector('simple', name "
        "|| ' ' || employee_number)) WITH (fastupdate = off)",
    ),
    "sqlite": (
        "CREATE VIRTUAL TABLE people_search USING fts5(name, employee_number, "
        "content='people', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
        "prefix='2 3')",
        "CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN INSERT INTO "
        "people_search(rowid, name, employee_number) VALUES (new.id, new.name, "
        "new.employee_number); END",
        "CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN INSERT INTO "
        "people_search(people_search, rowid, name, employee_number) VALUES ('delete', "
        "old.id, old.name, old.employee_number); END",
        "CREATE TRIGGER people_search_update AFTER UPDATE OF name, employee_number ON "
        "people BEGIN INSERT INTO people_search(people_search, rowid, name, "
        "employee_number) VALUES ('delete', old.id, old.name, old.employee_number); INSERT "
        "INTO people_search(rowid, name, employee_number) VALUES (new.id, new.name, "
        "new.employee_number); END",
        "INSERT INTO people_search(people_search) VALUES ('rebuild')",
    ),
}

DROP = {
    "postgresql": ("DROP INDEX IF EXISTS ix_people_search",),
    "sqlite": (
        "DROP TRIGGER IF EXISTS people_search_insert",
        "DROP TRIGGER IF EXISTS people_search_delete",
        "DROP TRIGGER IF EXISTS people_search_update",
        "DROP TABLE IF EXISTS people_search",
    ),
}


def upgrade():
    for statement in SCHEMA.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROP.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
