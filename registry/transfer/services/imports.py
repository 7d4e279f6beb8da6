"""What follows every committed import (CLI, web, background job, bench): the planner
statistics of the tables it wrote, then today's figures, computed once and kept
(`gaps/store.py`) so that the first page anyone opens afterwards does not compute them."""

from registry.core import statistics
from registry.core.extensions import db
from registry.gaps.services import prepare


def finish(plan) -> None:
    """After `plan` (an ImportPlan) was committed: statistics, committed; then the figures."""
    statistics.refresh(plan.tables, plan.rows_written)
    db.session.commit()
    prepare.todays_figures()
