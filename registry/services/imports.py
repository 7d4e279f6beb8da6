"""What follows every committed import (CLI, web, background job, bench): the planner
statistics of the tables it wrote, then today's figures, computed once and kept
(`gaps/store.py`) so that the first page anyone opens afterwards does not compute them."""

import logging
import time

from registry.extensions import db
from registry.services import statistics
from registry.services.gaps import cache, resolve
from registry.services.gaps import forecast as forecasting

log = logging.getLogger(__name__)


def finish(plan) -> None:
    """After `plan` (an ImportPlan) was committed: statistics, committed; then the figures."""
    statistics.refresh(plan.tables, plan.rows_written)
    db.session.commit()
    precompute()


def precompute() -> None:
    """Today's full gap analysis (default horizon) and forecast (default window), computed at
    the current audit head and kept for every process; nothing when the cache is off."""
    if not cache.enabled():
        return
    started = time.perf_counter()
    as_of, horizon = resolve(None, None)
    cache.full_analysis(as_of, horizon)
    forecasting.forecast(as_of)
    db.session.rollback()  # end the read transaction before the results are stored
    log.info("figures prepared in %.2f s", time.perf_counter() - started)
