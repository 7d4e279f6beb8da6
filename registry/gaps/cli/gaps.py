"""`registry gaps`: the gap report."""

import csv
import json
import sys
from datetime import date

import click

from registry.audit.rules.attestation import REPORT_COLUMNS  # the columns of report.csv
from registry.core import periods
from registry.core.cli import as_of_option, format_option, organisation_option, text_table
from registry.gaps.rules import gaps as rules
from registry.gaps.services.records import json_records, report_records

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
@organisation_option
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
    from registry.gaps import services as gaps

    as_of, horizon = gaps.resolve(as_of, horizon)
    rows = gaps.analyse(as_of, horizon)
    shown = rows if show_all else [r for r in rows if r.status != rules.COVERED]
    records = json_records(shown, as_of, horizon) if fmt == "json" else report_records(shown)
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


def register(app) -> None:
    app.cli.add_command(gaps_command)
