"""Planner statistics: the row counts and value spreads the database plans its queries with.

A database filled by an import has none until someone runs ANALYZE (PostgreSQL's autovacuum
catches up some time later; SQLite never does). Without them the gap statement is planned as
if every table were tiny and scans where it should seek: seconds instead of a fraction. So
every import refreshes them for the tables it touched (`refresh`), and the first request of a
process refreshes them when they are missing altogether (`ensure`, cheap when they are there).

SQLite: `ANALYZE` (whole database: it has no per-table statistics worth keeping apart) then
`PRAGMA optimize`. PostgreSQL: `ANALYZE table, …` on the touched tables. Both run in the
caller's transaction; the caller commits.
"""

import logging
import time
from collections.abc import Iterable

from sqlalchemy import inspect, text

from registry.core.extensions import db

logger = logging.getLogger(__name__)

# The tables the gap analysis reads; their statistics decide its plan.
GAP_TABLES = (
    "people",
    "services",
    "competences",
    "requirements",
    "assignments",
    "holdings",
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Below this many written rows an existing set of SQLite statistics is still a fair picture:
# `PRAGMA optimize` (cheap) instead of a full ANALYZE (seconds on a region-sized file).
SMALL_WRITE = 10_000


def refresh(tables: Iterable[str] | None = None, rows: int | None = None) -> None:
    """Bring the planner statistics up to date for `tables` (default: the gap tables) after
    `rows` rows were written (None: unknown, as if many)."""
    wanted = sorted(set(tables or GAP_TABLES))
    if not wanted:
        return
    started = time.perf_counter()
    if _dialect() == "sqlite":
        if rows is None or rows >= SMALL_WRITE or missing():
            db.session.execute(text("ANALYZE"))
        db.session.execute(text("PRAGMA optimize"))
    elif _dialect() == "postgresql":
        known = set(inspect(db.session.connection()).get_table_names())
        names = [name for name in wanted if name in known]
        if names:
            db.session.execute(text("ANALYZE " + ", ".join(f'"{name}"' for name in names)))
    logger.info("planner statistics refreshed in %.2f s: %s", time.perf_counter() - started, wanted)


def missing() -> bool:
    """True when the gap tables hold rows but the database has no statistics about them."""
    session = db.session
    if _dialect() == "sqlite":
        has_table = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        ).first()
        if has_table:
            analysed = session.execute(
                text("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'holdings' LIMIT 1")
            ).first()
            if analysed:
                return False
        return session.execute(text("SELECT 1 FROM holdings LIMIT 1")).first() is not None
    if _dialect() == "postgresql":
        # reltuples is -1 for a table never analysed (PostgreSQL 14+), 0 for an empty one.
        row = session.execute(
            text(
                "SELECT c.reltuples FROM pg_class c "
                "WHERE c.oid = to_regclass('holdings') AND c.relkind = 'r'"
            )
        ).first()
        if row is None or row[0] >= 0:
            return False
        return session.execute(text("SELECT 1 FROM holdings LIMIT 1")).first() is not None
    return False


def ensure() -> bool:
    """Refresh the statistics when they are missing; True when it did. Commits its own work."""
    try:
        if not missing():
            return False
        refresh()
        db.session.commit()
    except Exception:  # statistics are an optimisation: never fail a request over them
        db.session.rollback()
        logger.exception("could not refresh planner statistics")
        return False
    return True


def init_app(app) -> None:
    """Check once per process, before its first request, that statistics exist (setting
    STATISTICS_ON_START; off by default under TESTING, where tests count queries)."""
    setting = app.config["STATISTICS_ON_START"]
    if not (not app.testing if setting is None else setting):
        return
    state = {"checked": False}

    @app.before_request
    def _statistics_once():
        if not state["checked"]:
            state["checked"] = True
            ensure()
