"""Engine set-up per backend: SQLite gets WAL, foreign keys, a busy timeout and immediate
write transactions; PostgreSQL needs nothing special."""

import contextvars

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
