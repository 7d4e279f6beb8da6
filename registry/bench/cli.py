"""`registry bench`: the region-scale benchmark (`make bench`)."""

import click

from registry import bench


@click.command("bench")
@click.option(
    "--people",
    type=click.IntRange(min=10),
    help="People of the registry (default 50,000); with --region, of each municipality "
    "(default 2,000).",
)
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
    "--region",
    is_flag=True,
    help="A region of several municipalities in one registry, each imported while acting in "
    "it; compares one municipality's pages with the same municipality alone, and the "
    "region-wide gap analysis with the hand-written SQL. Sized by --municipalities and "
    "--people alone.",
)
@click.option(
    "--municipalities",
    type=click.IntRange(min=2, max=999),
    default=25,
    show_default=True,
    help="With --region: the number of municipalities.",
)
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
    "TEST_DATABASE_URL (PostgreSQL: a temporary schema, dropped afterwards; with --region, "
    "a SQLite URL stands for temporary files: the region and the municipality alone).",
)
def bench_command(
    people,
    competences,
    services,
    requirements,
    assignments,
    holdings,
    small,
    region,
    municipalities,
    repeat,
    seed,
    database_urls,
) -> None:
    """Generate a region-sized registry in a temporary database and time the gap analysis
    and the calls behind each page, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
    if region:
        size = bench.RegionScale(municipalities, people or bench.RegionScale.people)
        bench.run_region(
            size, database_urls=database_urls or None, repeat=repeat, seed=seed, echo=click.echo
        )
        return
    people = people or bench.Scale.people
    scale = bench.Scale(people, competences, services, requirements, assignments, holdings)
    if small:
        scale = bench.Scale.small()
    bench.run(scale, database_urls=database_urls or None, repeat=repeat, seed=seed, echo=click.echo)


def register(app) -> None:
    app.cli.add_command(bench_command)
