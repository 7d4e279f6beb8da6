"""What the report commands share: the day and format options and the plain-text table.

Every day on the command line is read by `parse_day`: ISO 8601, and within the period of
`registry.core.periods` that the web and the API accept too."""

import functools
from collections.abc import Callable, Sequence
from datetime import date

import click
from sqlalchemy import text

from registry.core import periods, tenancy
from registry.core.extensions import db


def parse_day(_ctx, _param, value: str | None) -> date | None:
    """A click callback: the option's YYYY-MM-DD value as a date (None when not given)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD, for example 2025-03-31."
        ) from None
    if not periods.date_in_range(day):
        raise click.BadParameter(periods.DATE_MESSAGE)
    return day


def as_of_option(help_text: str, required: bool = False) -> Callable:
    """`--as-of YYYY-MM-DD`, passed as `as_of` (a date, or None for today)."""
    return click.option(
        "--as-of",
        "as_of",
        callback=parse_day,
        metavar="YYYY-MM-DD",
        required=required,
        help=help_text,
    )


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)


def text_table(headings: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """`rows` under `headings` in columns as wide as their widest cell; the columns numbered
    in `right` (numbers) are right-aligned."""
    cells = [tuple(headings)] + [tuple(row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            cell.rjust(w) if i in right and n else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def organisation_option(command: Callable) -> Callable:
    """`--organisation CODE`: the command acts in that organisation as a member would
    (everything it reads and writes is that organisation's). May be left out while the
    registry holds one organisation."""

    @click.option(
        "--organisation",
        "organisation_code",
        metavar="CODE",
        help="The organisation to act in (its code); needed when the registry holds several.",
    )
    @functools.wraps(command)
    def wrapped(*args, organisation_code=None, **kwargs):
        with tenancy.acting_in(command_scope(organisation_code)):
            return command(*args, **kwargs)

    return wrapped


def command_scope(code: str | None) -> tenancy.Scope:
    """The scope of a command given `--organisation CODE` (or not)."""
    rows = db.session.execute(text("SELECT id, code FROM organisations ORDER BY code")).all()
    several = len(rows) > 1
    if code:
        found = next((row.id for row in rows if row.code == code.strip()), None)
        if found is None:
            raise click.UsageError(
                f"No organisation has code {code}; `registry organisations list` shows them."
            )
        return tenancy.Scope(found, several)
    if not several and rows:
        return tenancy.Scope(rows[0].id, several)
    codes = ", ".join(row.code for row in rows)
    raise click.UsageError(
        f"This registry holds several organisations; add --organisation CODE ({codes})."
    )
