"""`registry bench --region`: a region of N municipalities of M people in one registry,
filled the way users fill it, and measured against the same municipality alone and against
hand-written SQL (DESIGN.md, "Region": one municipality's pages as fast as in a registry of
that municipality alone, the region view within 2× the hand-written SQL for the same figures).

For each target database:
1. generate every municipality's interchange files (`generate.write_municipality_folders`):
   the same employee numbers and service codes in each, one shared catalogue;
2. fill the region: its organisations GM9001, GM9002, …, the catalogue, then each
   municipality's files through `registry import`'s code while acting in it
   (`tenancy.acting_in`, as `--organisation CODE` does), one import per municipality;
3. fill a registry of one organisation with the measured municipality (the middle one) alone,
   the same way;
4. measure, in both: that municipality's pages over HTTP as its manager (cold in a new
   process, cold with nothing stored, warm; target: at most 1.5× alone) and its full gap
   analysis; in the region, the gap analysis of every organisation at once (no scope: the
   region view's figures) against the hand-written SQL (target: at most 2×), and one
   organisation's analysis against the hand-written SQL for it.
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Flask

from registry.bench.figures import Figure
from registry.bench.generate import (
    CATALOGUE,
    RegionScale,
    municipality_code,
    write_municipality_folders,
)
from registry.bench.harness import bench_app, summary, targets, write_in_child
from registry.bench.pages import PageServer, PageTime, bench_account, dearest_records
from registry.bench.reference import hand_written_counts
from registry.core import periods, tenancy

GOAL_PAGES = 1.5  # one municipality's pages in the region, against the same alone
GOAL_REGION = 2.0  # the region-wide analysis, against the hand-written SQL


def run_region(
    region: RegionScale,
    database_urls=None,
    repeat: int = 3,
    seed: int = 2025,
    echo: Callable[[str], None] = print,
    as_of: date | None = None,
    horizon: int = periods.DEFAULT_HORIZON,
) -> dict[str, list[Figure]]:
    """Benchmark the region on every target database; prints progress, the comparisons and a
    summary; returns the figures."""
    as_of = as_of or date.today()
    echo(
        f"Region benchmark: {region.describe()}; as of {as_of}, horizon {horizon} days; "
        f"median of {repeat} runs."
    )
    results = {}
    for kind, url in targets(database_urls):
        echo("")
        echo(f"== {kind} ==")
        results[kind] = _run_one(kind, url, region, repeat, seed, echo, as_of, horizon)
    summary(results, echo)
    return results


def _run_one(kind, url, region, repeat, seed, echo, as_of, horizon) -> list[Figure]:
    from registry.core.extensions import db

    if kind == "SQLite":
        url = None  # two registries, two files: temporary ones, whatever file was named
    # Not the first: the region's first organisation has the id of the one alone.
    measured = region.municipalities // 2 + 1
    code = municipality_code(measured)
    with tempfile.TemporaryDirectory(prefix="kennisborg-bench-region-") as tmp:
        folder = os.path.join(tmp, "files")
        start = time.perf_counter()
        write_in_child(write_municipality_folders, folder, region, as_of, horizon, seed)
        echo(
            f"generated the interchange files of {region.municipalities} municipalities in "
            f"{time.perf_counter() - start:.1f} s"
        )
        # Both registries stay open, and their figures are taken in turns: what else runs on
        # the machine then weighs on both alike.
        with bench_app(kind, url, tmp, "region") as region_app:
            figures = _fill_region(folder, region, echo)
            scope = _scope_of(code)
            with tenancy.acting_in(scope):
                records = dearest_records()
            account = bench_account(scope=scope)
            db.session.remove()  # no transaction left open while the other registry is filled
            with bench_app(kind, url, tmp, "alone") as alone_app:
                figures += _fill_alone(folder, code, echo)
                if dearest_records() != records:
                    raise RuntimeError("the municipality alone differs from the one in the region")
                alone_account = bench_account()
                echo(f"measured: {code} (municipality {measured} of {region.municipalities})")
                sides = {
                    "region": Side(region_app, scope, account),
                    "alone": Side(alone_app, None, alone_account),
                }
                figures += _compare_pages(sides, _pages(*records), repeat, echo)
                figures += _compare_calls(sides, repeat, echo, as_of, horizon)
    return figures


@dataclass
class Side:
    """One of the two registries: its app, the scope of the measured municipality in it, and
    the e-mail address and password of its manager there."""

    app: Flask
    scope: tenancy.Scope | None
    account: tuple[str, str]


def _pages(service, competence, person) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/reports/"),
        ("gap list", "/reports/gaps"),
        ("service dossier", f"/services/{service}"),
        ("competence dossier", f"/competences/{competence}"),
        ("person dossier", f"/people/{person}"),
    ]


def _scope_of(code: str) -> tenancy.Scope:
    from registry.organisations import services as organisations

    organisation = organisations.by_code(code)
    if organisation is None:
        raise RuntimeError(f"no organisation {code}")
    return tenancy.Scope(organisation.id, several=True)


# --- filling ------------------------------------------------------------------------------------


def _import(folder: str, echo, label: str) -> float:
    """Import the files of `folder` as `registry import` does, in the scope acted in; the
    seconds it took."""
    from registry.audit.services import audit
    from registry.transfer.cli import import_and_commit
    from registry.transfer.services import interchange

    files = interchange.read_folder(folder)
    start = time.perf_counter()
    plan = import_and_commit(files, audit.Actor.system("bench"))
    seconds = time.perf_counter() - start
    if not plan.ok:
        raise RuntimeError(f"{label}: " + "; ".join(str(p) for p in plan.problems[:5]))
    return seconds


def _fill_region(folder: str, region: RegionScale, echo) -> list[Figure]:
    """The region's organisations (the registry's first renamed to GM9001), the catalogue, then
    each municipality imported while acting in it, one import (one transaction) each."""
    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.organisations import services as organisations

    actor = audit.Actor.system("bench")
    made = []
    for number in range(1, region.municipalities + 1):
        code, name = municipality_code(number), f"Gemeente Bench {number}"
        if number == 1:
            (first,) = organisations.all_organisations()
            made.append(organisations.update(actor, first, code, name, "municipality"))
        else:
            made.append(organisations.create(actor, code, name))
    db.session.commit()
    scopes = [tenancy.Scope(organisation.id, several=True) for organisation in made]
    with tenancy.acting_in(scopes[0]):
        catalogue = _import(os.path.join(folder, CATALOGUE), echo, "catalogue")
    seconds = []
    for number, scope in enumerate(scopes, start=1):
        code = municipality_code(number)
        with tenancy.acting_in(scope):
            seconds.append(_import(os.path.join(folder, code), echo, code))
    total = catalogue + sum(seconds)
    echo(
        f"{'import, the region (one per municipality)':<48} {total * 1000:10.1f} ms  "
        f"(catalogue {catalogue * 1000:.0f} ms; a municipality: first "
        f"{seconds[0] * 1000:.0f} ms, median {statistics.median(seconds) * 1000:.0f} ms, "
        f"last {seconds[-1] * 1000:.0f} ms)"
    )
    return [
        Figure("import, the region (all municipalities)", [total * 1000]),
        Figure("import, one municipality in the region", [s * 1000 for s in seconds]),
    ]


def _fill_alone(folder: str, code: str, echo) -> list[Figure]:
    """The measured municipality in a registry of its own: the catalogue, then its files."""
    catalogue = _import(os.path.join(folder, CATALOGUE), echo, "catalogue")
    seconds = _import(os.path.join(folder, code), echo, code)
    echo(
        f"{'import, the municipality alone':<48} {(catalogue + seconds) * 1000:10.1f} ms  "
        f"(catalogue {catalogue * 1000:.0f} ms, the municipality {seconds * 1000:.0f} ms)"
    )
    return [Figure("import, the municipality alone", [seconds * 1000])]


# --- measuring in turns --------------------------------------------------------------------------


def _compare_pages(sides: dict[str, Side], pages, repeat: int, echo) -> list[Figure]:
    """Each page in each registry, `repeat` rounds taken in turns: cold in a new process, cold
    with nothing stored, and warm (twice a round)."""
    from registry.core.extensions import db

    db.session.remove()
    times = {
        name: {label: PageTime(label, path, [], [], [], 0) for label, path in pages}
        for name in sides
    }
    with (
        PageServer(sides["region"].app, *sides["region"].account, sides["region"].scope) as ours,
        PageServer(sides["alone"].app, *sides["alone"].account) as theirs,
    ):
        servers = {"region": ours, "alone": theirs}
        for label, path in pages:
            for server in servers.values():
                server.timed(path)  # the first view compiles what the page's statements need
            for _ in range(repeat):
                for name, server in servers.items():
                    page = times[name][label]
                    page.empty.append(server.empty(path))
                    cold, body = server.cold(path)
                    page.cold.append(cold)
                    page.warm += [server.timed(path)[0] for _ in range(2)]
                    page.size = len(body)
    echo("")
    echo(
        f"{'one municipality, page over HTTP (ms)':<40} {'region':>8} {'alone':>8} {'ratio':>6}"
        f"   (medians; target ≤ {GOAL_PAGES}× alone)"
    )
    figures = []
    for label, _path in pages:
        here, there = times["region"][label], times["alone"][label]
        for state, name in (
            ("cold", "cold"),
            ("empty", "cold, nothing stored"),
            ("warm", "warm"),
        ):
            a, b = here.median(state), there.median(state)
            ratio = _ratio(a, b)
            verdict = "ok" if ratio <= GOAL_PAGES else "MISSES"
            echo(f"{label + ', ' + name:<40} {a:8.1f} {b:8.1f} {ratio:5.2f}×  {verdict}")
            figures.append(
                Figure(f"{label}, {name}, region (ms)", getattr(here, state), GOAL_PAGES * b)
            )
            figures.append(Figure(f"{label}, {name}, alone (ms)", getattr(there, state)))
    return figures


def _in_turns(calls: dict[str, tuple[Side, Callable]], repeat: int) -> dict[str, tuple]:
    """name → (times in ms, last result) of each (side, function), each run once untimed and
    then `repeat` times in turns, each run in a new app context (a new session) acting in its
    side's scope, or in the scope given with the function."""
    found: dict[str, tuple[list[float], object]] = {}

    def run(side: Side, function: Callable):
        with side.app.app_context():
            return function()

    for name, (side, function) in calls.items():
        found[name] = ([], run(side, function))
    for _ in range(repeat):
        for name, (side, function) in calls.items():
            start = time.perf_counter()
            result = run(side, function)
            found[name][0].append((time.perf_counter() - start) * 1000)
            found[name] = (found[name][0], result)
    return found


def _acting(scope: tenancy.Scope | None, function: Callable) -> Callable:
    def run():
        with tenancy.acting_in(scope):
            return function()

    return run


def _analysis(as_of, horizon) -> Callable:
    def run() -> dict[int, tuple[int, int, int]]:
        from registry.gaps import services as gaps

        rows = gaps.analyse(as_of, horizon)
        return {r.requirement_id: (r.holders_now, r.holders_at_horizon, r.candidates) for r in rows}

    return run


def _hand(as_of, horizon, organisation_id: int | None = None) -> Callable:
    def run() -> dict[int, tuple[int, int, int]]:
        from registry.core.extensions import db

        return hand_written_counts(db.session, as_of, horizon, organisation_id)

    return run


def _compare_calls(sides: dict[str, Side], repeat: int, echo, as_of, horizon) -> list[Figure]:
    """The gap analysis without HTTP (the cache off): the municipality in the region and
    alone, each against its hand-written SQL; the whole region (no scope) against the
    hand-written SQL for all organisations."""
    region, alone = sides["region"], sides["alone"]
    assert region.scope is not None
    one = region.scope.organisation_id
    found = _in_turns(
        {
            "alone, hand": (alone, _hand(as_of, horizon)),
            "alone": (alone, _analysis(as_of, horizon)),
            "one, hand": (region, _hand(as_of, horizon, one)),
            "one": (region, _acting(region.scope, _analysis(as_of, horizon))),
            "region, hand": (region, _hand(as_of, horizon)),
            "region": (region, _acting(None, _analysis(as_of, horizon))),
        },
        repeat,
    )
    echo("")
    echo(f"{'gap analysis, without HTTP (ms)':<48} {'median':>8}")
    figures = []

    def line(label: str, name: str, note: str = "", goal: float | None = None) -> float:
        figure = Figure(label, found[name][0], goal_ms=goal)
        figures.append(figure)
        echo(f"{label:<48} {figure.median:8.1f}{note}")
        return figure.median

    def agree(name: str) -> str:
        return "yes" if found[name][1] == found[name + ", hand"][1] else "NO"

    def verdict(ratio: float, goal: float) -> str:
        return "ok" if ratio <= goal else f"MISSES the {goal}× target"

    hand = line("hand-written SQL, the municipality alone", "alone, hand")
    alone_ms = statistics.median(found["alone"][0])
    line(
        "gap analysis, the municipality alone",
        "alone",
        f"  (= {_ratio(alone_ms, hand):.2f}× its hand-written SQL; "
        f"{len(found['alone'][1]):,} requirements; counts agree: {agree('alone')})",
    )
    hand = line("hand-written SQL, the municipality in the region", "one, hand")
    one_ms = statistics.median(found["one"][0])
    line(
        "gap analysis, the municipality in the region",
        "one",
        f"  (= {_ratio(one_ms, alone_ms):.2f}× alone, {_ratio(one_ms, hand):.2f}× its "
        f"hand-written SQL; counts agree: {agree('one')})  "
        + verdict(_ratio(one_ms, alone_ms), GOAL_PAGES),
        goal=GOAL_PAGES * alone_ms,
    )
    hand = line("hand-written SQL, the whole region", "region, hand")
    region_ms = statistics.median(found["region"][0])
    line(
        "gap analysis, the whole region (no scope)",
        "region",
        f"  (= {_ratio(region_ms, hand):.2f}× the hand-written SQL; "
        f"{len(found['region'][1]):,} requirements; counts agree: {agree('region')})  "
        + verdict(_ratio(region_ms, hand), GOAL_REGION),
        goal=GOAL_REGION * hand,
    )
    return figures


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")
