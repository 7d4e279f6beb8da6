"""The harness of `registry bench`: for each target database, generate the interchange files,
import them as users do, then time the calls behind the pages and the pages over HTTP, and
print a summary table.
"""

import multiprocessing
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import text

from registry.bench.calls import measure_calls
from registry.bench.exports import measure_exports
from registry.bench.figures import Figure
from registry.bench.generate import Scale, write_region_folder
from registry.bench.pages import measure_pages
from registry.core import periods


def targets(database_urls) -> list[tuple[str, str | None]]:
    """(kind, URL) of each database to benchmark; URL None: a temporary SQLite file."""
    if database_urls:
        return [(_kind(url), url) for url in database_urls]
    found: list[tuple[str, str | None]] = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        found.append((_kind(os.environ["TEST_DATABASE_URL"]), os.environ["TEST_DATABASE_URL"]))
    return found


def _kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def run(
    scale: Scale,
    database_urls=None,
    repeat: int = 3,
    seed: int = 2025,
    echo: Callable[[str], None] = print,
    as_of: date | None = None,
    horizon: int = periods.DEFAULT_HORIZON,
) -> dict[str, list[Figure]]:
    """Benchmark every target database; prints progress and a summary; returns the figures."""
    as_of = as_of or date.today()
    echo(
        f"Benchmark at {scale.describe()}; as of {as_of}, horizon {horizon} days; "
        f"best and median of {repeat} runs."
    )
    results = {}
    for kind, url in targets(database_urls):
        echo("")
        echo(f"== {kind} ==")
        results[kind] = _run_one(kind, url, scale, repeat, seed, echo, as_of, horizon)
    summary(results, echo)
    return results


def _run_one(kind, url, scale, repeat, seed, echo, as_of, horizon) -> list[Figure]:
    with (
        tempfile.TemporaryDirectory(prefix="kennisborg-bench-") as tmp,
        bench_app(kind, url, tmp) as app,
    ):
        figures = _import_region(tmp, scale, as_of, horizon, seed, echo)
        figures += measure_calls(kind, repeat, echo, as_of, horizon)
        figures += measure_pages(app, repeat, echo)
        return figures + measure_exports(echo)


@contextmanager
def bench_app(kind: str, url: str | None, tmp: str, name: str = "bench") -> Iterator:
    """An app on an empty database of the bench, its context pushed: the SQLite file
    `tmp/<name>.sqlite3` (`url` None), or a throw-away schema in the PostgreSQL database of
    `url`, dropped afterwards."""
    from registry.core.extensions import db
    from registry.core.models import Base

    schema = None
    # Warnings only: the operational lines (each request, each import step) would bury
    # the figures on the terminal.
    config = {
        "SECRET_KEY": "bench",
        "GAP_CACHE": False,
        "TESTING": False,
        "LOG_LEVEL": "WARNING",
    }
    if url is None:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/{name}.sqlite3"
    elif kind == "PostgreSQL":
        # A throw-away schema keeps whatever else lives in that database untouched.
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        config["SQLALCHEMY_DATABASE_URI"] = url
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}
        }
    else:
        config["SQLALCHEMY_DATABASE_URI"] = url
    app = current_app.extensions["app_factory"](config)
    with app.app_context():
        try:
            if schema:
                with db.engine.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            Base.metadata.create_all(db.engine)
            yield app
        finally:
            db.session.remove()
            if schema:
                with db.engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            db.engine.dispose()


def write_in_child(target: Callable, *args) -> None:
    """Generate interchange files (`target(*args)`) in a child process, so that this process's
    peak memory is the import's alone."""
    context = multiprocessing.get_context("fork")
    child = context.Process(target=target, args=args, daemon=True)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"generating the interchange files failed ({child.exitcode})")


def _import_region(tmp, scale, as_of, horizon, seed, echo) -> list[Figure]:
    """Fill the empty database the way users do: interchange files through `registry
    import`'s code (one transaction, planner statistics refreshed afterwards)."""
    from registry.audit.services import audit
    from registry.gaps.services import store
    from registry.transfer.cli import import_and_commit
    from registry.transfer.services import interchange

    folder = os.path.join(tmp, "region")
    start = time.perf_counter()
    write_in_child(write_region_folder, folder, scale, as_of, horizon, seed)
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
    # computed once and stored for every process (`transfer/services/imports.py`).
    from registry.gaps.services import prepare

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


def summary(results: dict[str, list[Figure]], echo) -> None:
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
