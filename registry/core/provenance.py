"""Where a downloaded figure comes from, written inside the file (pure: no Flask, no database).

Every export an auditor downloads states the as-of date, the horizon, when it was made and the
audit head `N:HASH` it was made at:

- a bare CSV starts with a preamble of `#` lines (`csv_preamble`), then the header row and
  the columns exactly as before; `strip_preamble` removes it again (the importer does this);
- an XLSX workbook gets a sheet "Verantwoording" (`sheet_rows` are its rows);
- a ZIP gets a `README.txt` (`readme`).

The values are fixed English keys, so a program can read them whatever the user's language.
A value is always one line (`one_line`: a line break is written as `\\n`, `\\r` or `\\uXXXX`), and
no cell a spreadsheet splits off a preamble line (at a comma, semicolon or tab) starts like a
formula: a filter typed by a user can neither forge a line nor run in Excel.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

SHEET_TITLE = "Verantwoording"
README_NAME = "README.txt"
PREAMBLE_MARK = "#"
# Every character str.splitlines() breaks a line at, written as an escape.
_LINE_BREAKS = {
    ord(c): {"\n": "\\n", "\r": "\\r"}.get(c, f"\\u{ord(c):04x}")
    for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
}
# A cell a spreadsheet splits off after a delimiter, starting like a formula (= + - @).
_FORMULA_CELL = re.compile(r"""([,;\t]\s*"?)(?=[=+\-@])""")


def one_line(value: str) -> str:
    """`value` as one line of a preamble or README: line breaks escaped, and an apostrophe in
    front of a cell that would start a formula once a spreadsheet splits the line."""
    return _FORMULA_CELL.sub(r"\1'", value.translate(_LINE_BREAKS))


@dataclass(frozen=True)
class Provenance:
    """The state a file was made at. `as_of`/`horizon` are None for files that are not
    figures of one as-of date (the audit log, the access review, the interchange export)."""

    title: str
    made_at: datetime  # UTC, naive
    audit_head: str  # N:HASH
    as_of: date | None = None
    horizon: int | None = None
    made_by: str | None = None
    # Further (key, value) pairs that say what the file holds, e.g. the filters applied.
    details: tuple[tuple[str, str], ...] = ()

    @property
    def horizon_end(self) -> date | None:
        if self.as_of is None or self.horizon is None:
            return None
        return self.as_of + timedelta(days=self.horizon)

    def items(self) -> list[tuple[str, str]]:
        """(key, value) pairs, in a fixed order; absent values are left out."""
        pairs = [
            ("export", self.title),
            ("as_of", self.as_of.isoformat() if self.as_of else None),
            ("horizon_days", None if self.horizon is None else str(self.horizon)),
            ("horizon_end", self.horizon_end.isoformat() if self.horizon_end else None),
            ("made_at_utc", self.made_at.replace(microsecond=0).isoformat() + "Z"),
            ("audit_head", self.audit_head),
            ("made_by", self.made_by),
            *self.details,
        ]
        return [(key, one_line(str(value))) for key, value in pairs if value not in (None, "")]


def csv_preamble(provenance: Provenance) -> str:
    """`# key: value` lines, one per item, ending in CRLF like the CSV after them."""
    return "".join(f"{PREAMBLE_MARK} {key}: {value}\r\n" for key, value in provenance.items())


def strip_preamble(text: str) -> str:
    """The CSV text without a leading `#` preamble (and with a byte-order mark kept in front)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    while body.startswith(PREAMBLE_MARK):
        _line, newline, body = body.partition("\n")
        if not newline:
            body = ""
    return bom + body


def read_preamble(text: str) -> dict[str, str]:
    """The key/value pairs of a preamble (for tests and for readers of an export)."""
    values = {}
    for line in text.lstrip("\ufeff").splitlines():
        if not line.startswith(PREAMBLE_MARK):
            break
        key, _sep, value = line[1:].strip().partition(":")
        values[key.strip()] = value.strip()
    return values


def sheet_rows(provenance: Provenance) -> list[list[str]]:
    """The rows of the "Verantwoording" sheet: a header, then one row per item."""
    return [["key", "value"], *([key, value] for key, value in provenance.items())]


def readme(provenance: Provenance, files: Iterable[tuple[str, str]] = (), notes: str = "") -> str:
    """The README.txt of a ZIP: what it is, the state it was made at, and its files."""
    lines = [f"Kennisborg — {provenance.title}", ""]
    width = max(len(key) for key, _value in provenance.items())
    lines += [f"{key.ljust(width)}  {value}" for key, value in provenance.items()]
    listed = list(files)
    if listed:
        lines += ["", "Files:"]
        lines += [f"  {name} — {what}" for name, what in listed]
    if notes:
        lines += ["", notes.rstrip()]
    return "\n".join(lines) + "\n"
