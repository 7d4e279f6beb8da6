"""Today's figures computed ahead of the first visitor: the full gap analysis (default horizon)
and the forecast (default window) at the current audit head, kept in memory and, when the
application context ends, in the database (`store`) for every process. After each import
(`services/imports.py`) and each nightly `registry snapshot`: the first page of the day, or
after an import, then reads them instead of computing for a second or more."""

import logging
import time

from registry.core.extensions import db
from registry.gaps.services import cache
from registry.gaps.services import forecast as forecasting
from registry.gaps.services.rows import resolve

logger = logging.getLogger(__name__)


def todays_figures() -> None:
    """Compute and keep today's analysis and forecast; nothing when the cache is off."""
    if not cache.enabled():
        return
    started = time.perf_counter()
    as_of, horizon = resolve(None, None)
    cache.full_analysis(as_of, horizon)
    forecasting.forecast(as_of)
    db.session.rollback()  # end the read transaction before the results are stored
    logger.info("figures prepared in %.2f s", time.perf_counter() - started)
