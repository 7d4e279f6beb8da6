"""The region-scale benchmark behind `registry bench` (and `make bench`).

Generates a registry of region size (50,000 people, 1,000 competences, 500 services, about
3,000 requirements, 50,000 assignments, 400,000 holdings) with realistic distributions into a
temporary database — a SQLite file, and a throw-away schema in PostgreSQL when
TEST_DATABASE_URL is set — and times the gap analysis against one hand-written SQL statement
computing the same counts, plus the service calls behind each page.

Why more than 400 lines: one command whose parts (generating interchange files, importing them,
the hand-written reference SQL, the page timings over HTTP) only make sense together.
"""

import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import Date, bindparam, func, select, text

from registry.domain import gaps as rules

T = TypeVar("T")
CHUNK = 10_000
GOAL_PAGE_MS = 500


@dataclass(frozen=True)
class Scale:
    people: int = 50_000
    competences: int = 1_000
    services: int = 500
    requirements: int = 3_000
    assignments: int = 50_000
    holdings: int = 400_000

    @classmethod
    def small(cls) -> "Scale":
        """1/100 of a region: a smoke test that runs in seconds."""
        return cls(500, 50, 20, 120, 500, 4_000)

    def describe(self) -> str:
        return (
            f"{self.people:,} people, {self.competences:,} competences, "
            f"{self.services:,} services, ~{self.requirements:,} requirements, "
            f"{self.assignments:,} assignments, {self.holdings:,} holdings"
        )


# --- the generator ----------------------------------------------------------------------------

AREAS = (
    "Contract management",
    "Demand management",
    "Functional management",
    "Information security",
    "Privacy",
    "Architecture",
    "Supplier management",
    "Service level management",
    "Financial control",
    "Data management",
    "Change management",
    "Legal",
)
ROLES = (
    "contractmanager",
    "functioneel beheerder",
    "informatiemanager",
    "back-up",
    "CISO-contact",
    "privacy officer",
    "architect",
)


def _zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


def _maybe(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def generate_rows(scale: Scale, as_of: date, horizon: int, seed: int) -> dict[str, list[dict]]:
    """A registry of `scale` as table rows (with ids), with realistic spreads around `as_of`:
    leavers within the horizon, assignments ending, expiring and stale holdings, retired
    competences, planned and retired services."""
    rng = random.Random(seed)

    def days(n: int) -> date:
        return as_of + timedelta(days=n)

    tables: dict[str, list[dict]] = {}

    def put(name: str, rows: list[dict]) -> None:
        tables[name] = rows

    put(
        "frameworks",
        [
            {"id": i, "key": key, "name": name}
            for i, (key, name) in enumerate(
                [("ecf", "e-CF 4.0"), ("feeny", "Feeny–Willcocks"), ("bisl", "BiSL")], start=1
            )
        ],
    )
    put(
        "providers",
        [
            {
                "id": i,
                "name": f"Provider {i:02d}",
                "kind": ("cooperative", "shared_service_centre", "supplier", "internal")[i % 4],
            }
            for i in range(1, 26)
        ],
    )

    units, unit_id = [], 0
    teams = []
    for d in range(1, 11):
        unit_id += 1
        directorate = unit_id
        units.append(
            {"id": directorate, "name": f"Directie {d}", "path": f"Directie {d}", "parent_id": None}
        )
        for a in range(1, 7):
            unit_id += 1
            department = unit_id
            path = f"Directie {d} / Afdeling {a}"
            units.append(
                {"id": department, "name": f"Afdeling {a}", "path": path, "parent_id": directorate}
            )
            for t in range(1, 6):
                unit_id += 1
                teams.append(unit_id)
                units.append(
                    {
                        "id": unit_id,
                        "name": f"Team {t}",
                        "path": f"{path} / Team {t}",
                        "parent_id": department,
                    }
                )
    put("org_units", units)

    put(
        "competences",
        [
            {
                "id": i,
                "code": f"C{i:04d}",
                "name": f"Competence {i}",
                "framework_id": 1 + i % 3,
                "area": AREAS[i % len(AREAS)],
                "retired": _maybe(rng, 0.03),
            }
            for i in range(1, scale.competences + 1)
        ],
    )

    people = []
    for i in range(1, scale.people + 1):
        start = (
            days(-rng.randint(30, 12_000)) if not _maybe(rng, 0.02) else days(rng.randint(1, 60))
        )
        roll = rng.random()
        if roll < 0.02:
            leave = days(rng.randint(0, horizon))  # leaving within the horizon (or on D)
        elif roll < 0.07:
            leave = days(-rng.randint(1, 1_000))  # already left
        elif roll < 0.09:
            leave = days(horizon + rng.randint(1, 365))
        else:
            leave = None
        if leave is not None and leave < start:
            leave = start
        people.append(
            {
                "id": i,
                "employee_number": f"P{i:06d}",
                "name": f"Medewerker {i}",
                "org_unit_id": rng.choice(teams),
                "start_date": start,
                "leave_date": leave,
                "job_title": rng.choice(ROLES),
            }
        )
    put("people", people)

    services = []
    for i in range(1, scale.services + 1):
        contract_start = days(-rng.randint(0, 2_500))
        roll = rng.random()
        contract_end = (
            None
            if roll < 0.15
            else days(rng.randint(0, horizon))
            if roll < 0.25
            else days(horizon + rng.randint(1, 1_500))
        )
        services.append(
            {
                "id": i,
                "code": f"svc-{i:04d}",
                "name": f"Service {i}",
                "provider_id": rng.randint(1, 25),
                "owner_id": rng.randint(1, scale.people),
                "criticality": rng.choices(("low", "medium", "high", "critical"), (20, 40, 30, 10))[
                    0
                ],
                "status": rng.choices(("active", "planned", "retired"), (85, 10, 5))[0],
                "contract_start": contract_start,
                "contract_end": contract_end,
            }
        )
    put("services", services)

    # Requirements: a few popular competences (contract management, security …) are required
    # by many services, the long tail by a few.
    popularity = _zipf_weights(scale.competences, 0.8)
    competence_ids = list(range(1, scale.competences + 1))
    per_service = max(1, scale.requirements // scale.services)
    required: dict[int, list[tuple[int, int]]] = {}
    requirements, rid = [], 0
    for sid in range(1, scale.services + 1):
        wanted = max(1, per_service + rng.randint(-2, 2))
        chosen: set[int] = set()
        while len(chosen) < min(wanted, scale.competences):
            chosen.add(rng.choices(competence_ids, popularity)[0])
        for cid in sorted(chosen):
            rid += 1
            level = rng.choices((2, 3, 4), (30, 50, 20))[0]
            required.setdefault(sid, []).append((cid, level))
            requirements.append(
                {
                    "id": rid,
                    "service_id": sid,
                    "competence_id": cid,
                    "required_level": level,
                    "min_holders": rng.choices((1, 2, 3), (30, 50, 20))[0],
                }
            )
    put("requirements", requirements)

    # Assignments: service sizes vary widely (a handful of people for most, hundreds for a few).
    service_ids = list(range(1, scale.services + 1))
    sizes = _zipf_weights(scale.services, 0.7)
    rng.shuffle(sizes)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(scale.assignments, scale.people * scale.services):
        pairs.add((rng.randint(1, scale.people), rng.choices(service_ids, sizes)[0]))
    assignments = []
    for pid, sid in sorted(pairs):
        roll = rng.random()
        start_on = days(rng.randint(1, 60)) if roll < 0.03 else days(-rng.randint(1, 3_000))
        roll = rng.random()
        end_on = (
            days(-rng.randint(1, 500))
            if roll < 0.05
            else days(rng.randint(0, horizon))
            if roll < 0.08
            else None
        )
        if end_on is not None and end_on < start_on:
            end_on = start_on
        assignments.append(
            {
                "person_id": pid,
                "service_id": sid,
                "role": rng.choice(ROLES),
                "start_on": start_on,
                "end_on": end_on,
            }
        )
    put("assignments", assignments)

    # Holdings: assigned people often hold what their service requires, around its level;
    # everyone else holds a spread of popular and long-tail competences.
    # How well a service's team is trained varies: a third are well staffed, the rest thin.
    trained = {sid: rng.choice((0.3, 0.3, 0.06, 0.03, 0.01)) for sid in service_ids}
    held: dict[tuple[int, int], int] = {}
    for pid, sid in pairs:
        for cid, level in required.get(sid, ()):
            if _maybe(rng, trained[sid]) and len(held) < scale.holdings:
                held[(pid, cid)] = max(1, min(5, level + rng.choice((-1, 0, 0, 1))))
    while len(held) < min(scale.holdings, scale.people * scale.competences):
        key = (rng.randint(1, scale.people), rng.choices(competence_ids, popularity)[0])
        if key not in held:
            held[key] = rng.choices((1, 2, 3, 4, 5), (15, 30, 30, 18, 7))[0]
    holdings = []
    for (pid, cid), level in sorted(held.items()):
        assessed = days(rng.randint(1, 30)) if _maybe(rng, 0.01) else days(-rng.randint(0, 1_800))
        roll = rng.random()
        expires = (
            None
            if roll < 0.7
            else days(rng.randint(0, horizon))
            if roll < 0.75
            else days(-rng.randint(1, 300))
            if roll < 0.78
            else days(horizon + rng.randint(1, 1_000))
        )
        if expires is not None and expires < assessed:
            expires = assessed
        holdings.append(
            {
                "person_id": pid,
                "competence_id": cid,
                "level": level,
                "assessed_on": assessed,
                "expires_on": expires,
                "assessed_by": "bench",
            }
        )
    put("holdings", holdings)
    return tables


def interchange_files(tables: dict[str, list[dict]]) -> dict[str, bytes]:
    """The generated registry as the interchange files a municipality would import."""
    from registry.domain import interchange as fmt

    def by_id(name: str, field: str) -> dict[int, str]:
        return {row["id"]: row[field] for row in tables[name]}

    framework = by_id("frameworks", "name")
    provider = by_id("providers", "name")
    unit = by_id("org_units", "path")
    person = by_id("people", "employee_number")
    service = by_id("services", "code")
    competence = by_id("competences", "code")
    rows = {
        fmt.COMPETENCES: (
            r | {"framework": framework[r["framework_id"]]} for r in tables["competences"]
        ),
        fmt.PEOPLE: (r | {"org_unit": unit[r["org_unit_id"]]} for r in tables["people"]),
        fmt.SERVICES: (
            r | {"provider": provider[r["provider_id"]], "owner": person[r["owner_id"]]}
            for r in tables["services"]
        ),
        fmt.REQUIREMENTS: (
            r | {"service": service[r["service_id"]], "competence": competence[r["competence_id"]]}
            for r in tables["requirements"]
        ),
        fmt.ASSIGNMENTS: (
            r | {"employee_number": person[r["person_id"]], "service": service[r["service_id"]]}
            for r in tables["assignments"]
        ),
        fmt.HOLDINGS: (
            r
            | {
                "employee_number": person[r["person_id"]],
                "competence": competence[r["competence_id"]],
            }
            for r in tables["holdings"]
        ),
    }
    return {spec.name: fmt.write_file(spec, found) for spec, found in rows.items()}


def write_region_folder(folder, scale: Scale, as_of: date, horizon: int, seed: int) -> None:
    """Write the interchange files of a generated registry of `scale` into `folder`."""
    from registry.services.interchange import write_folder

    write_folder(folder, interchange_files(generate_rows(scale, as_of, horizon, seed)))


# --- the hand-written comparison query --------------------------------------------------------

HAND_WRITTEN_SQL = """
WITH ar AS (
    SELECT r.id, r.service_id, r.competence_id, r.required_level AS lvl
    FROM requirements r
    JOIN services s ON s.id = r.service_id
    JOIN competences c ON c.id = r.competence_id
    WHERE s.status IN ('planned', 'active') AND c.retired = :no
),
q AS (
    SELECT ar.id AS rid,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :d)
                  AND (a.end_on IS NULL OR a.end_on > :d)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :d)
                  AND (h.expires_on IS NULL OR h.expires_on > :d)
                  AND (p.start_date IS NULL OR p.start_date <= :d)
                  AND (p.leave_date IS NULL OR p.leave_date > :d)
            THEN 1 ELSE 0 END) AS now,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :e)
                  AND (a.end_on IS NULL OR a.end_on > :e)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :e)
                  AND (h.expires_on IS NULL OR h.expires_on > :e)
                  AND (p.start_date IS NULL OR p.start_date <= :e)
                  AND (p.leave_date IS NULL OR p.leave_date > :e)
            THEN 1 ELSE 0 END) AS later
    FROM ar
    JOIN assignments a ON a.service_id = ar.service_id
    JOIN holdings h ON h.person_id = a.person_id AND h.competence_id = ar.competence_id
        AND h.level >= ar.lvl
    JOIN people p ON p.id = a.person_id
    GROUP BY ar.id
),
cand AS (
    SELECT ar.id AS rid, COUNT(*) AS n
    FROM ar
    JOIN holdings h ON h.competence_id = ar.competence_id AND h.level >= ar.lvl
    JOIN people p ON p.id = h.person_id
    WHERE (h.assessed_on IS NULL OR h.assessed_on <= :d)
      AND (h.expires_on IS NULL OR h.expires_on > :e)
      AND (p.start_date IS NULL OR p.start_date <= :d)
      AND (p.leave_date IS NULL OR p.leave_date > :e)
      AND NOT EXISTS (
        SELECT 1 FROM assignments a
        WHERE a.person_id = h.person_id AND a.service_id = ar.service_id
          AND (a.start_on IS NULL OR a.start_on <= :d) AND (a.end_on IS NULL OR a.end_on > :d))
    GROUP BY ar.id
)
SELECT ar.id, COALESCE(q.now, 0), COALESCE(q.later, 0), COALESCE(cand.n, 0)
FROM ar LEFT JOIN q ON q.rid = ar.id LEFT JOIN cand ON cand.rid = ar.id
"""
# The candidate test above uses "valid on D and E" and "employed on D and E" in their
# shortest form: with start ≤ D ≤ E, (leave > E) implies (leave > D), and so on.


def hand_written_counts(session, as_of: date, horizon: int) -> dict[int, tuple[int, int, int]]:
    """requirement id → (now, later, candidates), from one raw SQL statement."""
    stmt = text(HAND_WRITTEN_SQL).bindparams(
        bindparam("d", as_of, type_=Date),
        bindparam("e", rules.horizon_end(as_of, horizon), type_=Date),
        bindparam("no", False),
    )
    return {
        rid: (int(now), int(later), int(cand)) for rid, now, later, cand in session.execute(stmt)
    }


# --- the harness ------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    times_ms: list[float]
    goal_ms: float | None = None
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.times_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


def _time(
    fn: Callable[[], T], repeat: int, before: Callable[[], object] | None = None
) -> tuple[list[float], T]:
    """`repeat` timings of `fn` after one untimed warm-up run (statement compilation), and
    the result of the last run."""
    times: list[float] = []
    if before:
        before()
    result = fn()
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _targets(database_urls) -> list[tuple[str, str | None]]:
    if database_urls:
        return [(_kind(url), url) for url in database_urls]
    targets: list[tuple[str, str | None]] = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        targets.append((_kind(os.environ["TEST_DATABASE_URL"]), os.environ["TEST_DATABASE_URL"]))
    return targets


def _kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def run(
    scale: Scale,
    database_urls=None,
    repeat: int = 3,
    seed: int = 2025,
    echo: Callable[[str], None] = print,
    as_of: date | None = None,
    horizon: int = rules.DEFAULT_HORIZON,
) -> dict[str, list[Figure]]:
    """Benchmark every target database; prints progress and a summary; returns the figures."""
    as_of = as_of or date.today()
    echo(
        f"Benchmark at {scale.describe()}; as of {as_of}, horizon {horizon} days; "
        f"best and median of {repeat} runs."
    )
    results = {}
    for kind, url in _targets(database_urls):
        echo("")
        echo(f"== {kind} ==")
        results[kind] = _run_one(kind, url, scale, repeat, seed, echo, as_of, horizon)
    _summary(results, echo)
    return results


def _run_one(kind, url, scale, repeat, seed, echo, as_of, horizon) -> list[Figure]:
    from registry import create_app
    from registry.extensions import db
    from registry.models import Base

    with tempfile.TemporaryDirectory(prefix="kennisborg-bench-") as tmp:
        schema = None
        config = {"SECRET_KEY": "bench", "GAP_CACHE": False, "TESTING": False}
        if url is None:
            config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/bench.sqlite3"
        elif kind == "PostgreSQL":
            # A throw-away schema keeps whatever else lives in that database untouched.
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            config["SQLALCHEMY_DATABASE_URI"] = url
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "connect_args": {"options": f"-csearch_path={schema}"}
            }
        else:
            config["SQLALCHEMY_DATABASE_URI"] = url
        app = create_app(config)
        with app.app_context():
            try:
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                Base.metadata.create_all(db.engine)
                figures = _import_region(tmp, scale, as_of, horizon, seed, echo)
                figures += _measure(kind, repeat, echo, as_of, horizon)
                return figures + _measure_http(app, repeat, echo)
            finally:
                db.session.remove()
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                db.engine.dispose()


def _write_folder_in_child(folder: str, scale: Scale, as_of, horizon, seed) -> None:
    """Generate the interchange files in a child process, so that this process's peak memory
    is the import's alone."""
    context = multiprocessing.get_context("fork")
    child = context.Process(
        target=write_region_folder, args=(folder, scale, as_of, horizon, seed), daemon=True
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"generating the interchange files failed ({child.exitcode})")


def _import_region(tmp, scale, as_of, horizon, seed, echo) -> list[Figure]:
    """Fill the empty database the way users do: interchange files through `registry
    import`'s code (one transaction, planner statistics refreshed afterwards)."""
    from registry.cli.transfer import import_and_commit
    from registry.services import audit, interchange
    from registry.services.gaps import store

    folder = os.path.join(tmp, "region")
    start = time.perf_counter()
    _write_folder_in_child(folder, scale, as_of, horizon, seed)
    size = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder))
    took = time.perf_counter() - start
    echo(f"generated {size / 2**20:.1f} MiB of interchange files in {took:.1f} s")
    files = interchange.read_folder(folder)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    plan = import_and_commit(files, audit.Actor.system("bench"))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not plan.ok:
        raise RuntimeError("; ".join(str(p) for p in plan.problems[:5]))
    del files
    created = {name: c.create for name, c in plan.counts.items()}
    echo(
        f"{'import (registry import, one transaction)':<44} {seconds * 1000:8.1f} ms  "
        f"(CPU {cpu:.1f} s; {sum(created.values()):,} records: "
        + ", ".join(f"{n:,} {name.removesuffix('.csv')}" for name, n in created.items())
        + ")"
    )
    echo(
        f"{'import peak memory':<44} {rss:8.1f} MiB  (process peak RSS; "
        f"{rss - rss_before:.0f} MiB above the {rss_before:.0f} MiB before the import)"
    )
    # What the import does last when the cache is on, as in the application: today's figures,
    # computed once and stored for every process (`services/imports.py`).
    from flask import current_app

    from registry.services.gaps import prepare

    current_app.config["GAP_CACHE"] = True
    start = time.perf_counter()
    prepare.todays_figures()
    store.write_pending()
    prepared = time.perf_counter() - start
    current_app.config["GAP_CACHE"] = False
    echo(f"{'figures prepared after the import':<44} {prepared * 1000:8.1f} ms")
    return [
        Figure("import (registry import, one transaction)", [seconds * 1000]),
        Figure("import peak RSS (MiB, process)", [rss]),
        Figure("figures prepared after the import", [prepared * 1000]),
    ]


def _measure(kind, repeat, echo, as_of, horizon) -> list[Figure]:
    from flask import current_app

    from registry.extensions import db
    from registry.models import Assignment, Holding, Requirement, Service
    from registry.services import audit, gaps

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

    hand_times, hand = _time(lambda: hand_written_counts(session, as_of, horizon), repeat, fresh)
    hand_fig = note(Figure("hand-written SQL query (same counts)", hand_times))
    full_times, rows = _time(lambda: gaps.analyse(as_of, horizon), repeat, fresh)
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
    from registry.services.gaps import forecast as forecasting

    fc_times, fc_rows = _time(lambda: forecasting.compute(as_of, 365), repeat, fresh)
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
        later = gaps.qualified_holders(ids, rules.horizon_end(as_of, horizon))
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
        times, _ = _time(fn, repeat, fresh)
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
            times, _ = _time(fn, repeat, fresh)
            note(Figure(f"{label}, cached", times, goal_ms=GOAL_PAGE_MS))
        times, _ = _time(dashboard, repeat, write)
        note(Figure("dashboard, first view after a write", times, goal_ms=GOAL_PAGE_MS))
        forecasting.upcoming(as_of)  # fills the forecast cache at the current head
        times, _ = _time(
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


GOAL_WARM_MS, GOAL_COLD_MS = 100, 1_000


def _measure_http(app, repeat: int, echo) -> list[Figure]:
    """Every page a manager opens most, over HTTP on the loopback (a server thread on a free
    port), logged in as a manager: cold in a new process (nothing in memory, the stored
    results of `gaps/store.py` in the database, as after a restart or in a second worker),
    cold with nothing stored (the first view of a day nobody computed yet) and warm (median
    of `repeat` further views)."""
    import http.cookiejar
    import re
    import secrets
    import threading
    import urllib.parse
    import urllib.request

    from werkzeug.serving import make_server

    from registry.extensions import db
    from registry.models import Assignment, Competence, Holding, Person, Service
    from registry.services import audit, gaps, head_cache, users
    from registry.services.gaps import forecast as forecasting
    from registry.services.gaps import prepare, store

    app.config.update(GAP_CACHE=True, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    password = secrets.token_urlsafe(12)
    email = f"bench-{secrets.token_hex(4)}@example.org"
    users.create_user(audit.Actor.system("bench"), email, "manager", password, "Bench")
    db.session.commit()
    # The busiest analysed service and the most widely held competence: the dearest dossiers.
    service = db.session.scalar(
        select(Service.code)
        .join(Assignment, Assignment.service_id == Service.id)
        .where(Service.status.in_(rules.ANALYSED_SERVICE_STATUSES))
        .group_by(Service.code)
        .order_by(func.count().desc(), Service.code)
        .limit(1)
    )
    competence = db.session.scalar(
        select(Competence.code)
        .join(Holding, Holding.competence_id == Competence.id)
        .group_by(Competence.code)
        .order_by(func.count().desc(), Competence.code)
        .limit(1)
    )
    person = db.session.scalar(
        select(Person.employee_number).where(Person.leave_date.is_(None)).order_by(Person.id)
    )
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def get(path: str) -> bytes:
        with opener.open(base + path, timeout=600) as response:
            return response.read()

    figures = []
    try:
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', get("/login"))
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"email": email, "password": password, "csrf_token": token.group(1).decode()}
        opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=600).read()
        pages = [
            ("dashboard", "/reports/"),
            ("gap list", "/reports/gaps"),
            ("coverage matrix", "/reports/matrix"),
            ("service dossier", f"/services/{service}"),
            ("competence dossier", f"/competences/{competence}"),
            ("person dossier", f"/people/{person}"),
        ]
        echo("")
        echo(
            f"{'page over HTTP, as a manager':<44} {'new proc':>8}  {'nothing':>8}  "
            f"{'warm':>8}  size"
        )

        def forget(stored: bool) -> None:
            """What a new process has in memory (nothing); `stored`: the database's stored
            results go too, as before anything was ever computed for that day."""
            with app.app_context():
                gaps.clear_cache()
                forecasting.clear_cache()
                head_cache.clear()
                if stored:
                    store.clear()
                    db.session.commit()

        def timed(path: str) -> tuple[float, bytes]:
            start = time.perf_counter()
            body = get(path)
            return (time.perf_counter() - start) * 1000, body

        for label, path in pages:
            forget(stored=True)
            empty, _ = timed(path)
            with app.app_context():
                prepare.todays_figures()  # as the last import or the nightly job left it
            forget(stored=False)
            cold, body = timed(path)
            warm = [timed(path)[0] for _ in range(repeat)]
            w = statistics.median(warm)
            verdict = "ok" if cold <= GOAL_COLD_MS and w <= GOAL_WARM_MS else "MISSES"
            echo(
                f"{label + ' ' + path[:30]:<44} {cold:8.1f}  {empty:8.1f}  {w:8.1f}  "
                f"{len(body) / 1024:.0f} KB  {verdict} (goals {GOAL_COLD_MS} / {GOAL_WARM_MS} ms)"
            )
            figures.append(Figure(f"{label}, HTTP cold (ms)", [cold], goal_ms=GOAL_COLD_MS))
            figures.append(Figure(f"{label}, HTTP cold, nothing stored (ms)", [empty]))
            figures.append(Figure(f"{label}, HTTP warm (ms)", warm, goal_ms=GOAL_WARM_MS))
    finally:
        server.shutdown()
        thread.join()
    return figures


def _summary(results: dict[str, list[Figure]], echo) -> None:
    if not results:
        return
    kinds = list(results)
    labels = [f.label for f in next(iter(results.values()))]
    width = max(len(label) for label in labels)
    echo("")
    echo("Summary (median)".ljust(width) + "".join(f"  {k:>12}" for k in kinds))
    for i, label in enumerate(labels):
        cells = []
        for kind in kinds:
            figures = results[kind]
            cells.append(f"{figures[i].median:12.1f}" if i < len(figures) else " " * 12)
        echo(label.ljust(width) + "".join(f"  {c}" for c in cells))
