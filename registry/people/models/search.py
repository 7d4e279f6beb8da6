"""The people search index: word-prefix search on names and employee numbers without a scan.

A person is chosen by typing part of a name ("Jansen") or a number, and a region has 50,000
people, so the search must seek, not scan. Neither database indexes "a word of the name starts
with" in a plain B-tree, so each has its own structure, kept current by the database itself
(whatever writes the people table: forms, the importer, bulk SQL):

- SQLite: an FTS5 table `people_search` over `people(name, employee_number)` (external
  content, so nothing is stored twice) with three triggers;
- PostgreSQL: a GIN index on `to_tsvector('simple', name || ' ' || employee_number)`,
  without a pending list (`fastupdate = off`).

Prefixes of two and three characters have their own FTS5 index, so a short prefix stays fast.

`SCHEMA` is created by migration 0004 and, for databases built with `create_all` (the
benchmark), by an `after_create` hook on the people table. Alembic's comparison leaves these
objects alone (`include_object`), since they are not part of the mapped metadata.
"""

from sqlalchemy import DDL, event

from registry.people.models.staff import Person

SEARCH_TABLE = "people_search"
SEARCH_INDEX = "ix_people_search"
# The expression the PostgreSQL index is built on; queries must use exactly this one.
PG_DOCUMENT = "to_tsvector('simple', name || ' ' || employee_number)"

SCHEMA = {
    "sqlite": (
        "CREATE VIRTUAL TABLE people_search USING fts5(name, employee_number, "
        "content='people', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
        "prefix='2 3')",
        "CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN "
        "INSERT INTO people_search(rowid, name, employee_number) "
        "VALUES (new.id, new.name, new.employee_number); END",
        "CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN "
        "INSERT INTO people_search(people_search, rowid, name, employee_number) "
        "VALUES ('delete', old.id, old.name, old.employee_number); END",
        "CREATE TRIGGER people_search_update AFTER UPDATE OF name, employee_number ON people "
        "BEGIN INSERT INTO people_search(people_search, rowid, name, employee_number) "
        "VALUES ('delete', old.id, old.name, old.employee_number); "
        "INSERT INTO people_search(rowid, name, employee_number) "
        "VALUES (new.id, new.name, new.employee_number); END",
        # People that existed before the index (an upgrade of a filled database).
        "INSERT INTO people_search(people_search) VALUES ('rebuild')",
    ),
    "postgresql": (
        "CREATE INDEX ix_people_search ON people "
        "USING gin (to_tsvector('simple', name || ' ' || employee_number)) "
        # Without a pending list: after a bulk import the index is complete at once, and the
        # planner does not fall back to scanning the table with a filter.
        "WITH (fastupdate = off)",
    ),
}
DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS people_search_insert",
        "DROP TRIGGER IF EXISTS people_search_delete",
        "DROP TRIGGER IF EXISTS people_search_update",
        "DROP TABLE IF EXISTS people_search",
    ),
    "postgresql": ("DROP INDEX IF EXISTS ix_people_search",),
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search objects are not mapped, so never compare them."""
    return not (name or "").startswith((SEARCH_TABLE, SEARCH_INDEX))


for _dialect, _statements in SCHEMA.items():
    for _statement in _statements:
        event.listen(Person.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
