"""The service calls behind each page, timed without HTTP: the full gap analysis against the
hand-written query, the forecast, the dashboard, gap list, dossier, what-if and key people,
uncached and from the audit-head cache, and the first view after a write.
"""

import resource
import statistics
import tracemalloc

from sqlalchemy import func, select

from registry.bench.figures import Figure, timings
from registry.bench.reference import hand_written_counts
from registry.core import periods
from registry.gaps.rules import gaps as rules

GOAL_PAGE_MS = 500


def measure_calls(kind, repeat, echo, as_of, horizon) -> list[Figure]:
    from flask import current_app

    from registry.audit.services import audit
    from registry.catalogue.models.services import Requirement, Service
    from registry.core.extensions import db
    from registry.gaps import services as gaps
    from registry.people.models.holdings import Assignment, Holding

    session = db.session
    figures: list[Figure] = []

    def note(figure: Figure) -> Figure:
        figures.append(figure)
        goal = (
            ""
            if figure.goal_ms is None
            else (
                "  ok"
                if figure.median <= figure.goal_ms
                else f"  MISSES the {figure.goal_ms:.0f} ms goal"
            )
        )
        echo(
            f"{figure.label:<44} {figure.best:8.1f} ms  (median {figure.median:.1f})"
            f"{goal}{figure.note}"
        )
        return figure

    def fresh():
        session.rollback()
        session.expire_all()

    hand_times, hand = timings(lambda: hand_written_counts(session, as_of, horizon), repeat, fresh)
    hand_fig = note(Figure("hand-written SQL query (same counts)", hand_times))
    full_times, rows = timings(lambda: gaps.analyse(as_of, horizon), repeat, fresh)
    agree = {
        r.requirement_id: (r.holders_now, r.holders_at_horizon, r.candidates) for r in rows
    } == hand
    note(
        Figure(
            "full gap computation",
            full_times,
            goal_ms=2 * hand_fig.median,
            note=f"  (= {statistics.median(full_times) / hand_fig.median:.2f}× the "
            f"hand-written query; counts agree: {'yes' if agree else 'NO'})",
        )
    )
    # The forecast of DESIGN.md over a year (issue 7): at most 2× the full gap analysis.
    from registry.gaps.services import forecast as forecasting

    fc_times, fc_rows = timings(lambda: forecasting.compute(as_of, 365), repeat, fresh)
    note(
        Figure(
            "forecast, 365-day window",
            fc_times,
            goal_ms=2 * statistics.median(full_times),
            note=f"  (= {statistics.median(fc_times) / statistics.median(full_times):.2f}× the "
            f"full gap computation; {sum(r.first_short_on is not None for r in fc_rows):,} "
            f"fall short, {sum(len(r.steps) for r in fc_rows):,} steps)",
        )
    )
    counts = gaps.status_counts(rows)
    echo(
        f"{'':<44} {len(rows):,} requirements: "
        + ", ".join(f"{counts[s]:,} {s}" for s in rules.STATUSES)
    )

    gap_statuses = (rules.UNASSIGNED, rules.LEAVING, rules.UNDERCOVERED)

    def dashboard():
        all_rows = gaps.analyse(as_of, horizon)
        return (
            gaps.status_counts(all_rows),
            gaps.coverage(all_rows),
            gaps.coverage_by_provider(all_rows),
            gaps.by_risk([r for r in all_rows if r.status != rules.COVERED])[:10],
        )

    def gap_list():
        found = gaps.analyse(as_of, horizon, gaps.GapFilter(statuses=gap_statuses))
        return gaps.by_risk(found)[: current_app.config.get("PAGE_SIZE", 50)]

    # The dossier and the what-if use the busiest analysed service and its busiest person.
    busiest = session.execute(
        select(Assignment.service_id)
        .join(Service)
        .where(Service.status.in_(rules.ANALYSED_SERVICE_STATUSES))
        .group_by(Assignment.service_id)
        .order_by(func.count().desc())
        .limit(1)
    ).scalar()

    def dossier():
        found = gaps.analyse(as_of, horizon, service_ids=[busiest])
        ids = [r.requirement_id for r in found]
        holders = gaps.qualified_holders(ids, as_of)
        later = gaps.qualified_holders(ids, periods.horizon_end(as_of, horizon))
        successors = gaps.suggestions_for(
            [r.requirement_id for r in found if r.status != rules.COVERED], as_of, horizon, limit=10
        )
        return found, holders, later, successors

    person = session.execute(
        select(Assignment.person_id)
        .where(Assignment.service_id == busiest)
        .order_by(Assignment.person_id)
        .limit(1)
    ).scalar()
    key = gaps.key_people(as_of, horizon)
    if key:
        person = min(key)
    if person is None:
        raise RuntimeError("the generated registry has nobody assigned to its busiest service")

    pages = [
        ("dashboard", dashboard),
        ("gap list", gap_list),
        (f"service dossier (service {busiest})", dossier),
        (
            f"what-if, one person (person {person})",
            lambda: gaps.what_if({person: as_of}, as_of=as_of, horizon=horizon),
        ),
        (
            "is one person key (person page)",
            lambda: gaps.key_people(as_of, horizon, person_ids=[person]),
        ),
        ("key people (all)", lambda: gaps.key_people(as_of, horizon)),
    ]
    for label, fn in pages:
        times, _ = timings(fn, repeat, fresh)
        note(Figure(f"{label}", times, goal_ms=GOAL_PAGE_MS))
    echo(f"{'':<44} {len(key):,} key people")

    # The same pages with the audit-head cache on, as the application runs them: served from
    # the cache, and the first view after a write (which recomputes what the write touched).
    current_app.config["GAP_CACHE"] = True
    gaps.clear_cache()
    holding = session.execute(
        select(Holding)
        .join(Requirement, Requirement.competence_id == Holding.competence_id)
        .where(Requirement.service_id == busiest)
        .order_by(Holding.id)
        .limit(1)
    ).scalar_one()

    def write():
        """One edit as the web would make it: change a level, record the audit event."""
        session.rollback()
        before = audit.snapshot(holding)
        holding.level = 1 if holding.level > 1 else 5
        audit.record(
            audit.Actor.system("bench"),
            "update",
            "holding",
            holding.id,
            *audit.changes(before, audit.snapshot(holding)),
        )
        session.commit()

    try:
        gaps.analyse(as_of, horizon)  # the first view fills the cache
        session.rollback()
        for label, fn in pages[:2] + pages[3:5]:
            times, _ = timings(fn, repeat, fresh)
            note(Figure(f"{label}, cached", times, goal_ms=GOAL_PAGE_MS))
        times, _ = timings(dashboard, repeat, write)
        note(Figure("dashboard, first view after a write", times, goal_ms=GOAL_PAGE_MS))
        forecasting.upcoming(as_of)  # fills the forecast cache at the current head
        times, _ = timings(
            lambda: (dashboard(), forecasting.upcoming(as_of)), repeat, lambda: session.rollback()
        )
        note(Figure("dashboard + upcoming shortfalls, cached", times, goal_ms=300))
    finally:
        current_app.config["GAP_CACHE"] = False
        gaps.clear_cache()
        forecasting.clear_cache()

    fresh()
    tracemalloc.start()
    gaps.analyse(as_of, horizon)
    dossier()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    echo(
        f"{'peak memory':<44} {peak / 2**20:8.1f} MiB Python allocations in the full "
        f"analysis; process peak RSS {rss:.0f} MiB (incl. generation)"
    )
    figures.append(Figure("peak memory (MiB, Python, full analysis)", [peak / 2**20]))
    figures.append(Figure("peak RSS (MiB, process)", [rss]))
    return figures
