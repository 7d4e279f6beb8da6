"""The values the gap analysis returns, and the figures computed from them (pure: no queries)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date

from registry.core.config import default_horizon
from registry.gaps.rules import gaps as rules


@dataclass(frozen=True)
class GapFilter:
    """Filters of the gap list; empty means no restriction."""

    statuses: tuple[str, ...] = ()
    service_ids: tuple[int, ...] = ()
    provider_ids: tuple[int, ...] = ()
    criticalities: tuple[str, ...] = ()
    framework_ids: tuple[int, ...] = ()
    areas: tuple[str, ...] = ()
    competence_ids: tuple[int, ...] = ()
    requirement_ids: tuple[int, ...] = ()

    def narrows_requirements(self) -> bool:
        """Whether anything other than the status restricts which requirements are analysed."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "statuses")

    def admits(self, row, ignore: tuple[str, ...] = ()) -> bool:
        """Whether `row` (a gap or forecast row) passes every filter but those named in
        `ignore`: each filter is on the row attribute of `_ROW_ATTRIBUTE`."""
        return all(
            not getattr(self, name) or getattr(row, attribute) in getattr(self, name)
            for name, attribute in _ROW_ATTRIBUTE.items()
            if name not in ignore
        )


# The row attribute each filter of GapFilter restricts.
_ROW_ATTRIBUTE = {
    "statuses": "status",
    "service_ids": "service_id",
    "provider_ids": "provider_id",
    "criticalities": "criticality",
    "framework_ids": "framework_id",
    "areas": "area",
    "competence_ids": "competence_id",
    "requirement_ids": "requirement_id",
}


@dataclass(frozen=True)
class GapRow:
    """One analysed requirement with everything a page or report shows about it."""

    requirement_id: int
    service_id: int
    service_code: str
    service_name: str
    service_status: str
    criticality: str
    provider_id: int | None
    provider_name: str | None
    contract_end: date | None
    contract_ending: bool
    competence_id: int
    competence_code: str
    competence_name: str
    framework_id: int | None
    framework_name: str | None
    area: str | None
    required_level: int
    min_holders: int
    holders_now: int
    holders_at_horizon: int
    candidates: int
    status: str
    severity: int
    risk: int
    # The English names, when there are: shown instead in the English interface (the rows are
    # cached and shared by users of both languages, so the choice is made when they are shown).
    competence_name_en: str | None = None
    framework_name_en: str | None = None

    def figures(self) -> dict:
        """The requirement's figures as plain values, in the order every record lists them
        (`registry gaps --format json`, the API, an attestation's frozen rows)."""
        return {
            "required_level": self.required_level,
            "min_holders": self.min_holders,
            "holders_now": self.holders_now,
            "holders_at_horizon": self.holders_at_horizon,
            "candidates": self.candidates,
            "status": self.status,
            "risk": self.risk,
            "contract_ending": self.contract_ending,
        }


@dataclass(frozen=True)
class Holder:
    """A person qualified for a requirement on some day."""

    person_id: int
    employee_number: str
    name: str
    level: int


@dataclass(frozen=True)
class SuggestedPerson:
    person_id: int
    employee_number: str
    name: str
    level: int
    kind: str  # "candidate" or "training"
    shares_org_unit: bool


@dataclass
class WhatIfResult:
    worsened: list[tuple[GapRow, GapRow]] = field(default_factory=list)
    coverage_before: float | None = None
    coverage_after: float | None = None


@dataclass(frozen=True)
class CoverageSummary:
    """Coverage of a group of requirements (a provider, a service, the whole registry)."""

    key: object
    label: str | None
    requirements: int
    counts: dict[str, int]
    coverage: float | None

    @property
    def covered(self) -> int:
        """The number of covered requirements."""
        return self.counts[rules.COVERED]


def resolve(as_of: date | None, horizon: int | None) -> tuple[date, int]:
    """Fill in the defaults: today and the configured horizon (90 days)."""
    return as_of or date.today(), default_horizon() if horizon is None else horizon


def report_order(row: GapRow):
    """Severity (worst first), then service code, then competence code (code-point order,
    the same on every database)."""
    return (-row.severity, row.service_code, row.competence_code)


def by_risk(rows: list[GapRow]) -> list[GapRow]:
    """Highest risk (severity × criticality) first; ties in report order."""
    return sorted(rows, key=lambda r: -r.risk)


def coverage(rows: list[GapRow]) -> float | None:
    """Covered ÷ requirements as a percentage; None when there are no requirements."""
    if not rows:
        return None
    return 100.0 * sum(r.status == rules.COVERED for r in rows) / len(rows)


def status_counts(rows: Iterable[GapRow]) -> dict[str, int]:
    """The number of requirements per status, every status present (zero when none)."""
    counts = dict.fromkeys(rules.STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def coverage_by(
    rows: Iterable[GapRow], key: Callable[[GapRow], object], label: Callable[[GapRow], str | None]
) -> list[CoverageSummary]:
    """Coverage per group of rows (e.g. per provider), ordered by label; one pass."""
    groups: dict[object, list[GapRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    summaries = [
        CoverageSummary(k, label(group[0]), len(group), status_counts(group), coverage(group))
        for k, group in groups.items()
    ]
    return sorted(summaries, key=lambda s: (s.label is None, (s.label or "").casefold()))


def coverage_by_provider(rows: Iterable[GapRow]) -> list[CoverageSummary]:
    """Coverage per provider, lowest coverage first (then by name); services without a
    provider (key None) last."""
    summaries = coverage_by(rows, lambda r: r.provider_id, lambda r: r.provider_name)
    return sorted(summaries, key=lambda s: (s.key is None, s.coverage, s.label or ""))


def coverage_by_service(rows: Iterable[GapRow]) -> dict[int, CoverageSummary]:
    """Coverage per service id, labelled with the service name."""
    summaries = coverage_by(rows, lambda r: r.service_id, lambda r: r.service_name)
    return {s.key: s for s in summaries if isinstance(s.key, int)}
