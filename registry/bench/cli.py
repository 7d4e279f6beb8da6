"""`registry bench`: the region-scale benchmark (`make bench`)."""

import click

from registry import bench


@click.command("bench")
@click.option("--people", type=click.IntRange(min=10), default=50_000, show_default=True)
@click.option("--competences", type=click.IntRange(min=5), default=1_000, show_default=True)
@click.option("--services", type=click.IntRange(min=2), default=500, show_default=True)
@click.option(
    "--requirements",
    type=click.IntRange(min=1),
    default=3_000,
    show_default=True,
    help="About this many requirements.",
)
@click.option("--assignments", type=click.IntRange(min=1), default=50_000, show_default=True)
@click.option("--holdings", type=click.IntRange(min=1), default=400_000, show_default=True)
@click.option("--small", is_flag=True, help="A quick smoke run at 1/100 of region scale.")
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Runs per figure; the best is reported.",
)
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option(
    "--database-url",
    "database_urls",
    multiple=True,
    metavar="URL",
    help="Benchmark these databases instead of a temporary SQLite file plus "
    "TEST_DATABASE_URL (PostgreSQL: a temporary schema, dropped afterwards).",
)
def bench_command(
    people,
    competences,
    services,
    requirements,
    assignments,
    holdings,
    small,
    repeat,
    seed,
    database_urls,
) -> None:
    """Generate a region-sized registry in a temporary database and time the gap analysis
    and the calls behind each page, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
    scale = bench.Scale(people, competences, services, requirements, assignments, holdings)
    if small:
        scale = bench.Scale.small()
    bench.run(scale, database_urls=database_urls or None, repeat=repeat, seed=seed, echo=click.echo)


def register(app) -> None:
    app.cli.add_command(bench_command)
