"""`registry forecast`: when each requirement first falls short within a window (DESIGN.md
"Forecast"), as a table, CSV or JSON."""

import csv
import json
import sys
from datetime import date

import click

from registry.core.cli import as_of_option, format_option, organisation_option, text_table
from registry.gaps.rules import forecast as model
from registry.gaps.services.records import forecast_records

COLUMNS = (
    "service",
    "competence",
    "required_level",
    "min_holders",
    "holders_now",
    "first_short_on",
    "first_empty_on",
    "steps",
    "causes",
)
HEADINGS = ("Service", "Competence", "Level", "Min", "Now", "First short", "First empty", "Cause")
CAUSE_TEXT = {
    model.LEAVES: "{who} leaves",
    model.ASSIGNMENT_ENDS: "{who}'s assignment ends",
    model.ASSESSMENT_EXPIRES: "{who}'s assessment expires",
}


def cause_text(record: dict) -> str:
    """The causes of one record in a line of English."""
    return "; ".join(
        CAUSE_TEXT[c["kind"]].format(who=f"{c['name']} ({c['employee_number']})")
        for c in record["causes"]
    )


def _table(records: list[dict]) -> str:
    rows = [
        (
            rec["service"],
            rec["competence"],
            str(rec["required_level"]),
            str(rec["min_holders"]),
            str(rec["holders_now"]),
            rec["first_short_on"] or "",
            rec["first_empty_on"] or "",
            cause_text(rec) or ("short today" if rec["first_short_on"] else ""),
        )
        for rec in records
    ]
    return text_table(HEADINGS, rows, right=set())


@click.command("forecast")
@organisation_option
@as_of_option("The first day of the window (default: today).")
@click.option(
    "--days",
    type=click.IntRange(min=0, max=model.MAX_DAYS),
    default=None,
    metavar="N",
    help=f"Days the window looks ahead (default: {model.DEFAULT_DAYS}).",
)
@click.option("--all", "show_all", is_flag=True, help="Include requirements that never fall short.")
@format_option
def forecast_command(as_of: date | None, days: int | None, show_all: bool, fmt: str) -> None:
    """When each requirement first falls short of its minimum within the window, when it
    first has nobody, and why; ordered by the first short day (never short last)."""
    from registry.gaps.services import forecast as service

    as_of, days = as_of or date.today(), service.resolve_days(days)
    rows = service.forecast(as_of, days)
    shown = rows if show_all else [r for r in rows if r.first_short_on is not None]
    records = forecast_records(shown)
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rec in records:
            writer.writerow(
                {
                    **rec,
                    "first_short_on": rec["first_short_on"] or "",
                    "first_empty_on": rec["first_empty_on"] or "",
                    "steps": " ".join(f"{day}:{q}" for day, q in rec["steps"]),
                    "causes": cause_text(rec),
                }
            )
    else:
        end = model.window_end(as_of, days)
        short = sum(r.first_short_on is not None for r in rows)
        click.echo(
            f"Forecast from {as_of.isoformat()} to {end.isoformat()} ({days} days): "
            f"{short} of {len(rows)} requirements fall short of their minimum."
        )
        click.echo("")
        if records:
            click.echo(_table(records))
        else:
            click.echo("No requirements to show." if show_all else "No requirement falls short.")


def register(app) -> None:
    app.cli.add_command(forecast_command)
