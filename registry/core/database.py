"""Engine set-up per backend: SQLite gets WAL, foreign keys, a busy timeout and immediate
write transactions; PostgreSQL needs nothing special."""

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, event
from sqlalchemy.engine import CursorResult, Engine, Result

# Requests that change things (POST …) and CLI commands that write take SQLite's write lock at
# BEGIN ("immediate"), so two writers queue on the busy timeout instead of failing half-way when
# a read lock cannot be upgraded. Reads stay deferred and never queue behind writers (WAL).
sqlite_immediate = contextvars.ContextVar("sqlite_immediate", default=False)


def immediate_writes() -> None:
    """Mark the current context as a writer: its SQLite transactions begin IMMEDIATE."""
    sqlite_immediate.set(True)


def configure_engine(engine: Engine) -> None:
    """Attach the per-backend connection settings to `engine`."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_immediate.get() else "BEGIN")


def read_one_snapshot(session) -> None:
    """Let the session's next transaction read the whole database as it was at one moment.

    An export reads six tables one after another, for half a minute at region scale; a person
    and a holding saved in between must not appear only in holdings.csv (the file would then
    refuse to import again), and the README's audit head must be the moment the files show.
    PostgreSQL reads each statement at its own moment unless the transaction is REPEATABLE
    READ; SQLite's transaction (our BEGIN, WAL) already reads one snapshot. Ends the session's
    current transaction, which must hold nothing unsaved."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.rollback()
    connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")


@contextmanager
def planned_each_time(session) -> Iterator[None]:
    """Within the block, psycopg prepares no statement, so the server plans each one for its
    parameters. psycopg prepares a statement run five times and the server then keeps the plan
    it made while the tables were still empty (a sequential scan): during an import each later
    500-key lookup took about a second at 50,000 people. Unlike `plan_cache_mode =
    force_custom_plan`, the server's own foreign-key checks keep their cached plans."""
    driver: Any = session.connection().connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", None)  # psycopg only; None: already off
    if threshold is None:
        yield
        return
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def bulk_insert(session, table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (dicts with the same keys, column names) into `table` in one DBAPI
    executemany (one COPY on PostgreSQL), without SQLAlchemy's per-row parameter processing:
    for imports of hundreds of thousands of rows, where that processing costs more than the
    database. Values must be of the column's Python type (str, int, bool, date, datetime or
    None)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    # Names come from the table definition, values are bound: nothing from the user is spliced.
    columns = ", ".join(quote(n) for n in names)
    markers = ", ".join(marker for _ in names)
    statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    if dialect.name == "sqlite":
        convert = _sqlite_value
        values = [tuple(convert(row[n]) for n in names) for row in rows]
    else:
        values = [tuple(row[n] for n in names) for row in rows]
    if dialect.driver == "psycopg":
        # psycopg's executemany runs the INSERT once per row; COPY sends the batch as one
        # stream, fires the same constraint triggers and stays in the transaction (an import
        # of 400,000 holdings: 64 s in executemany, 32 s in COPY, under a profiler).
        copy = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(copy) as stream:
            for value in values:
                stream.write_row(value)
        return
    connection.exec_driver_sql(statement, values)


def _sqlite_value(value):
    """A value as SQLAlchemy's SQLite types store it."""
    if value is None or value.__class__ in (str, int):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_of(model: type) -> Table:
    """The Table a model is mapped to (its `__table__`, which the declarative base types as a
    FromClause, without `update()` or `delete()`)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def dml_result(result: Result[*tuple[Any, ...]]) -> CursorResult[*tuple[Any, ...]]:
    """The result of an INSERT, UPDATE or DELETE as what it is, a CursorResult (with
    `rowcount`): `Session.execute` returns one for these statements, but is typed as returning
    a Result."""
    return cast(CursorResult[*tuple[Any, ...]], result)
