"""What the report commands share: the day and format options and the plain-text table.

Every day on the command line is read by `parse_day`: ISO 8601, and within the period of
`registry.core.periods` that the web and the API accept too."""

from collections.abc import Callable, Sequence
from datetime import date

import click

from registry.core import periods


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
