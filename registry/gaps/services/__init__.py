"""Gap analysis on the database: the figures every page, the CLI and the bench show.

Set-based SQL (SQLAlchemy Core, the same statements on SQLite and PostgreSQL): the whole
analysis is one statement whatever the size of the registry, and so are key people, qualified
holders and successor suggestions for any set of requirements. The rules are those of
`registry.gaps.rules.gaps` (DESIGN.md); a property test proves both agree on every field.

- `rows`: the values returned and the figures computed from them (coverage, counts);
- `sql`: the predicates of DESIGN.md as SQL and the analysis statement;
- `cache`: full analyses cached on the audit head;
- `analysis`: `analyse()`, through the cache (`rows_of()` for a few requirements);
- `holders`: qualified people and successor suggestions;
- `whatif`: key people and hypothetical departures.
"""

from registry.gaps.services.analysis import analyse, rows_of
from registry.gaps.services.cache import clear_cache
from registry.gaps.services.holders import qualified_holders, suggestions, suggestions_for
from registry.gaps.services.rows import (
    CoverageSummary,
    GapFilter,
    GapRow,
    Holder,
    SuggestedPerson,
    WhatIfResult,
    by_risk,
    coverage,
    coverage_by,
    coverage_by_provider,
    coverage_by_service,
    report_order,
    resolve,
    status_counts,
)
from registry.gaps.services.sql import (
    analysed_requirement,
    assigned_on,
    employed_on,
    held_for_requirements,
    valid_on,
)
from registry.gaps.services.whatif import key_people, what_if

__all__ = [
    "CoverageSummary",
    "GapFilter",
    "GapRow",
    "Holder",
    "SuggestedPerson",
    "WhatIfResult",
    "analyse",
    "rows_of",
    "analysed_requirement",
    "assigned_on",
    "by_risk",
    "clear_cache",
    "coverage",
    "coverage_by",
    "coverage_by_provider",
    "coverage_by_service",
    "employed_on",
    "held_for_requirements",
    "key_people",
    "qualified_holders",
    "report_order",
    "resolve",
    "status_counts",
    "suggestions",
    "suggestions_for",
    "valid_on",
    "what_if",
]
