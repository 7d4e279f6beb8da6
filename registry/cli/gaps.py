"""`registry gaps`: the gap report; `registry bench`: the region-scale benchmark."""

import csv
import json
import sys
from datetime import date

import click

from registry.core import periods
from registry.core.cli import as_of_option, format_option, text_table
from registry.domain import gaps as rules
from registry.domain.attestation import REPORT_COLUMNS  # the columns of report.csv

HEADINGS = (
    "Service",
    "Competence",
    "Level",
    "Min",
    "Now",
    "At horizon",
    "Candidates",
    "Status",
    "Risk",
    "Contract ending",
)
NUMERIC = {
    "required_level",
    "min_holders",
    "holders_now",
    "holders_at_horizon",
    "candidates",
    "risk",
}


def report_records(rows, mitigations: dict | None = None) -> list[dict]:
    """The gap rows as plain records: codes, not names; numbers as numbers. With
    `mitigations` (open ones by requirement id), each record lists them as `mitigations`."""
    from registry.services.mitigations import records

    return [
        {
            "service": r.service_code,
            "competence": r.competence_code,
            **r.figures(),
            **(
                {"mitigations": records(mitigations.get(r.requirement_id))}
                if mitigations is not None
                else {}
            ),
        }
        for r in rows
    ]


def json_records(rows, as_of: date) -> list[dict]:
    """The rows as `registry gaps --format json` (and `GET /api/v1/gaps`) give them: with the
    open mitigations of each (one query for all rows)."""
    from registry.services import mitigations

    found = mitigations.open_for((r.requirement_id for r in rows), as_of)
    return report_records(rows, found)


def _table(records: list[dict]) -> str:
    def text(record, key):
        value = record[key]
        if key == "contract_ending":
            return "yes" if value else ""
        return str(value)

    rows = [[text(rec, key) for key in REPORT_COLUMNS] for rec in records]
    numeric = {i for i, key in enumerate(REPORT_COLUMNS) if key in NUMERIC}
    return text_table(HEADINGS, rows, numeric)


@click.command("gaps")
@as_of_option("The day to analyse (default: today).")
@click.option(
    "--horizon",
    type=click.IntRange(min=periods.MIN_HORIZON, max=periods.MAX_HORIZON),
    default=None,
    metavar="DAYS",
    help=f"Days ahead to look for departures (default: {periods.DEFAULT_HORIZON}).",
)
@click.option("--all", "show_all", is_flag=True, help="Include covered requirements.")
@format_option
def gaps_command(as_of: date | None, horizon: int | None, show_all: bool, fmt: str) -> None:
    """The gap report of DESIGN.md: every requirement with a gap, worst first."""
    from registry.services import gaps

    as_of, horizon = gaps.resolve(as_of, horizon)
    rows = gaps.analyse(as_of, horizon)
    shown = rows if show_all else [r for r in rows if r.status != rules.COVERED]
    records = json_records(shown, as_of) if fmt == "json" else report_records(shown)
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {**rec, "contract_ending": str(rec["contract_ending"]).lower()} for rec in records
        )
    else:
        end = periods.horizon_end(as_of, horizon)
        counts = gaps.status_counts(rows)
        covered = gaps.coverage(rows)
        click.echo(
            f"Gap report as of {as_of.isoformat()}, horizon {horizon} days "
            f"(until {end.isoformat()})."
        )
        click.echo(
            f"{len(rows)} requirements analysed: "
            + ", ".join(f"{counts[s]} {s}" for s in rules.STATUSES)
            + ("" if covered is None else f"; coverage {covered:.1f}%")
            + "."
        )
        click.echo("")
        if records:
            click.echo(_table(records))
        else:
            click.echo(
                "No requirements to show."
                if show_all
                else "No gaps: every analysed requirement is covered."
            )


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
    from registry import bench

    scale = bench.Scale(people, competences, services, requirements, assignments, holdings)
    if small:
        scale = bench.Scale.small()
    bench.run(scale, database_urls=database_urls or None, repeat=repeat, seed=seed, echo=click.echo)


def register(app) -> None:
    app.cli.add_command(gaps_command)
    app.cli.add_command(bench_command)
