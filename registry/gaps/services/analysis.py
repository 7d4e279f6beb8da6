"""The gap analysis itself: every analysed requirement with its figures, from the cache of
full analyses when it holds one (filtered in memory), else straight from SQL."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from registry.gaps.services import cache, sql
from registry.gaps.services.rows import GapFilter, GapRow, resolve


def analyse(
    as_of: date | None = None,
    horizon: int | None = None,
    filters: GapFilter | None = None,
    service_ids: Iterable[int] | None = None,
) -> list[GapRow]:
    """Every analysed requirement (covered ones included), ordered by severity, then service
    code, then competence code. Filter with `filters` (or just `service_ids`, for one
    dossier); sort by risk with `by_risk`."""
    as_of, horizon = resolve(as_of, horizon)
    if service_ids is not None:
        filters = replace(filters or GapFilter(), service_ids=tuple(service_ids))
    if not cache.enabled():
        return sql.compute(as_of, horizon, filters)  # every filter in SQL
    if filters and filters.narrows_requirements():
        # A dossier or a filtered list: from the cached full analysis when there is one
        # (a few rows out of thousands, filtered in memory), else only those rows from SQL.
        cached = cache.cached_analysis(as_of, horizon)
        if cached is not None:
            return [row for row in cached if filters.admits(row)]
        from registry.gaps.services import head_cache  # it builds on this package's cache

        narrowed = filters
        rows = head_cache.memo(
            ("gaps", as_of, horizon, narrowed),
            lambda: tuple(sql.compute(as_of, horizon, narrowed)),
        )
        return list(rows)
    rows = cache.full_analysis(as_of, horizon)
    if filters and filters.statuses:
        rows = [row for row in rows if filters.admits(row)]
    return rows


def rows_of(requirement_ids: Iterable[int], day: date) -> dict[int, GapRow]:
    """The gap row (as of `day`) of each of these requirements, by id: from the cached full
    analysis when the cache is on, else one statement for just these requirements.
    Requirements that are not analysed (retired service or competence) have none."""
    ids = tuple(sorted(set(requirement_ids)))
    if not ids:
        return {}
    rows = analyse(day) if cache.enabled() else analyse(day, None, GapFilter(requirement_ids=ids))
    return {r.requirement_id: r for r in rows if r.requirement_id in ids}
