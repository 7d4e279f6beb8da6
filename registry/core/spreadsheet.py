"""Spreadsheet exports (CSV and XLSX) as bytes, safe to open in Excel.

Pure: plain rows in, bytes out. Text cells that a spreadsheet would read as a formula
(starting with = + - @, a tab or a carriage return) are neutralised with a leading apostrophe,
so an exported name like `=HYPERLINK(...)` stays text (CSV injection, OWASP).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

T = TypeVar("T")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Control characters an XLSX file cannot hold (openpyxl refuses them).
_ILLEGAL_XML = dict.fromkeys((*range(0, 9), 11, 12, *range(14, 32)))


def neutralise(value: T) -> T | str:
    """`value`, or for text that starts like a formula the same text behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(neutralise(value) if isinstance(value, str) else value)


def generate_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (so Excel reads the accents right)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(cell) for cell in header])
    for row in rows:
        writer.writerow([_csv_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value.translate(_ILLEGAL_XML))
    return value


def generate_xlsx(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    title: str = "Export",
    extra_sheets: Iterable[tuple[str, Sequence[Sequence[object]]]] = (),
) -> bytes:
    """An XLSX workbook with one sheet: a bold, frozen header row, then the rows; then a
    plain sheet per (title, rows) of `extra_sheets` (e.g. the provenance of the export)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(name)) + 4)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(str(name)))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        values = []
        for value in row:
            if isinstance(value, date) and not isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                values.append(cell)
            else:
                values.append(_xlsx_value(value))
        sheet.append(values)
    for extra_title, extra_rows in extra_sheets:
        extra = workbook.create_sheet(title=extra_title[:31])
        for row in extra_rows:
            extra.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
