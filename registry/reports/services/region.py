"""The region view (DESIGN.md, "Region"): the figures of every organisation side by side, for
the members of the region. Each part comes from set-based statements over all organisations
(`registry.gaps.services.region`, the forecast's `compute_by_organisation`), never from a loop
over organisations; each statement runs once per page or file, memoised on the audit head
for the whole region.

`Region(as_of, horizon, days)` has the parts, each computed when first asked for:

- `coverage`: per organisation, the analysed requirements, the number per status and the
  coverage, as the dashboard computes them within that organisation (`total`: the region's);
- `provider_gaps`: per provider and competence, the organisations that lack it (it falls
  short of its minimum within the forecast's window) and from which day: a chance to organise
  that knowledge regionally;
- `shortages`: the upcoming shortfalls of every organisation;
- `candidate_gaps(limit, names)`: the gaps for which people of other organisations meet the
  candidate rule, with their number and the first of them by name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import select

from registry.catalogue.models.services import Provider
from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps.rules import forecast as forecast_rules
from registry.gaps.rules import gaps as rules
from registry.gaps.services import region as region_sql
from registry.gaps.services import status_counts
from registry.gaps.services.forecast import ForecastRow, compute_by_organisation, resolve_days
from registry.gaps.services.head_cache import memo
from registry.gaps.services.region import RegionalCandidate
from registry.gaps.services.rows import CoverageSummary, GapRow
from registry.organisations import services as organisations
from registry.organisations.models import Organisation

# People of other organisations named beside each gap of the region view.
NAMES_PER_GAP = 5
GAP_STATUSES = (rules.UNASSIGNED, rules.LEAVING, rules.UNDERCOVERED)


def _memo(key: tuple, compute: Callable):
    """`compute()`, memoised on the audit head once for the whole region (whichever
    organisation the region member happens to act in)."""
    with tenancy.acting_in(None):
        return memo(("region", *key), compute)


@dataclass(frozen=True)
class OrganisationCoverage:
    organisation: Organisation
    summary: CoverageSummary


@dataclass(frozen=True)
class Lack:
    """An organisation that falls short of a competence for a provider's services, from
    `first_short_on` (the earliest of its requirements)."""

    organisation: Organisation
    first_short_on: date


@dataclass(frozen=True)
class ProviderGap:
    provider_id: int | None
    provider_name: str | None
    competence_code: str
    competence_name: str
    competence_name_en: str | None
    organisations: int  # the organisations that require it for this provider's services
    lacking: tuple[Lack, ...]  # soonest first


@dataclass(frozen=True)
class Shortage:
    organisation: Organisation
    row: ForecastRow


@dataclass(frozen=True)
class RegionalGap:
    """A gap of `organisation` with the number of people of other organisations who meet the
    candidate rule for it; `people` the first of them, with their organisations."""

    organisation: Organisation
    row: GapRow
    regional: int
    people: tuple[tuple[RegionalCandidate, Organisation], ...] = ()


class Region:
    """The region's figures for as-of date D, horizon H and a forecast window of `days`
    (default the forecast's, 365)."""

    def __init__(self, as_of: date, horizon: int, days: int | None = None) -> None:
        self.as_of, self.horizon, self.days = as_of, horizon, resolve_days(days)

    @cached_property
    def organisations(self) -> list[Organisation]:
        """Every organisation, by code."""
        return organisations.all_organisations()

    @cached_property
    def _by_id(self) -> dict[int, Organisation]:
        return {o.id: o for o in self.organisations}

    @property
    def window_end(self) -> date:
        return forecast_rules.window_end(self.as_of, self.days)

    # --- a. coverage per organisation ---------------------------------------------------------

    @cached_property
    def coverage(self) -> list[OrganisationCoverage]:
        """Every organisation with its figures; one without analysed requirements has none of
        each and no coverage, as its dashboard says."""
        as_of, horizon = self.as_of, self.horizon
        found = _memo(
            ("coverage", as_of, horizon),
            lambda: region_sql.coverage_by_organisation(as_of, horizon),
        )
        empty = status_counts(())
        return [
            OrganisationCoverage(
                o, found.get(o.id) or CoverageSummary(o.id, None, 0, dict(empty), None)
            )
            for o in self.organisations
        ]

    @cached_property
    def total(self) -> CoverageSummary:
        """The figures of the whole region: the organisations' figures added up."""
        counts = {s: sum(r.summary.counts[s] for r in self.coverage) for s in rules.STATUSES}
        total = sum(r.summary.requirements for r in self.coverage)
        share = 100.0 * counts[rules.COVERED] / total if total else None
        return CoverageSummary(None, None, total, counts, share)

    # --- b. per provider, the organisations that lack a competence ----------------------------

    @cached_property
    def _forecast(self) -> tuple[tuple[int, ForecastRow], ...]:
        as_of, days = self.as_of, self.days
        return _memo(("forecast", as_of, days), lambda: tuple(compute_by_organisation(as_of, days)))

    @cached_property
    def provider_gaps(self) -> list[ProviderGap]:
        """Per provider and competence that at least one organisation lacks within the
        window: which organisations, from when; the competences that most organisations lack
        first, then by provider and competence."""
        names = dict(db.session.execute(select(Provider.id, Provider.name)).all())
        groups: dict[tuple, tuple[ForecastRow, set[int], dict[int, date]]] = {}
        for organisation_id, row in self._forecast:
            first, members, short = groups.setdefault(
                (row.provider_id, row.competence_code), (row, set(), {})
            )
            members.add(organisation_id)
            day = row.first_short_on
            if day is not None and (organisation_id not in short or day < short[organisation_id]):
                short[organisation_id] = day
        result = [
            ProviderGap(
                provider_id,
                names.get(provider_id),
                code,
                first.competence_name,
                first.competence_name_en,
                len(members),
                tuple(
                    sorted(
                        (Lack(self._by_id[o], day) for o, day in short.items()),
                        key=lambda lack: (lack.first_short_on, lack.organisation.code),
                    )
                ),
            )
            for (provider_id, code), (first, members, short) in groups.items()
            if short
        ]
        return sorted(
            result,
            key=lambda g: (
                -len(g.lacking),
                g.provider_name is None,
                (g.provider_name or "").casefold(),
                g.competence_code,
            ),
        )

    # --- c. upcoming shortfalls across the region ---------------------------------------------

    @cached_property
    def shortages(self) -> list[Shortage]:
        """Every organisation's requirements that have enough qualified people on D but fall
        short of their minimum within the window (as the dashboard's "Upcoming shortfalls"),
        soonest first, then by organisation, service and competence code."""
        found = [
            Shortage(self._by_id[organisation_id], row)
            for organisation_id, row in self._forecast
            if row.first_short_on is not None and row.first_short_on > self.as_of
        ]
        return sorted(found, key=lambda s: (forecast_rules.sort_key(s.row), s.organisation.code))

    # --- d. the candidates in the region ------------------------------------------------------

    @cached_property
    def _candidate_gaps(self) -> list[tuple[int, GapRow, int]]:
        """Every gap with candidates in other organisations, highest risk first, then by
        organisation, service and competence code."""
        as_of, horizon = self.as_of, self.horizon
        found = _memo(
            ("candidate_gaps", as_of, horizon),
            lambda: tuple(
                item
                for item in region_sql.analyse_by_organisation(as_of, horizon, GAP_STATUSES)
                if item[2]
            ),
        )
        return sorted(
            found,
            key=lambda item: (
                -item[1].risk,
                self._by_id[item[0]].code,
                item[1].service_code,
                item[1].competence_code,
            ),
        )

    @property
    def candidate_gaps_total(self) -> int:
        return len(self._candidate_gaps)

    def candidate_gaps(
        self, limit: int | None = None, names: int = NAMES_PER_GAP
    ) -> list[RegionalGap]:
        """The first `limit` gaps with candidates in other organisations (None: all), each
        with the first `names` of those candidates (0: none, and no statement for them)."""
        shown = self._candidate_gaps if limit is None else self._candidate_gaps[:limit]
        people: dict[int, list[RegionalCandidate]] = {}
        if names and shown:
            ids = tuple(row.requirement_id for _o, row, _n in shown)
            as_of, horizon = self.as_of, self.horizon
            people = _memo(
                ("candidate_people", as_of, horizon, ids, names),
                lambda: region_sql.regional_candidate_people(ids, as_of, horizon, limit=names),
            )
        return [
            RegionalGap(
                self._by_id[organisation_id],
                row,
                regional,
                tuple(
                    (p, self._by_id[p.organisation_id]) for p in people.get(row.requirement_id, ())
                ),
            )
            for organisation_id, row, regional in shown
        ]
