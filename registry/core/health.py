"""Health checks for load balancers and orchestrators, without login.

`/healthz` answers 200 as long as the process serves requests. `/readyz` answers 200 when the
database is reachable and its schema is at the newest migration, else 503. Both answer a bare
`{"status": …}`: no versions, no error texts (the reason is logged, with the request id).
"""

import logging
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from registry.core.extensions import csrf, db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _answer(ready: bool):
    response = jsonify(status="ok" if ready else "unavailable")
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    """The process is up."""
    return _answer(True)


@bp.route("/readyz")
def readyz():
    """The database answers and holds the newest schema."""
    directory = str(Path(current_app.extensions["migrate"].directory))
    try:
        current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        logger.warning("not ready: the database cannot be read: %s", reason)
        return _answer(False)
    finally:
        db.session.remove()
    heads = migration_heads(directory)
    if current != heads:
        logger.warning(
            "not ready: the database is at migration %s, the code at %s",
            ",".join(sorted(current)) or "none",
            ",".join(sorted(heads)),
        )
        return _answer(False)
    return _answer(True)
