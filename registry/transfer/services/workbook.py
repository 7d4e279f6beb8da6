"""The interchange format as one Excel workbook: a sheet per file, named like the file without
`.csv` ("people", "holdings" …), the same columns, a header row first.

`workbook_sources(data)` gives the sheets as `interchange.Source`s, so a workbook is checked and
imported by exactly the code that imports a CSV folder; problems read `sheet:row: message`.
Sheets are streamed (openpyxl's read-only mode), never loaded whole. Cells typed as Excel dates
and dates written as text both work; numbers typed as numbers are read as whole numbers.
`export_workbook()` writes every file as a sheet (dates as Excel dates); `write_workbook(target)`
writes them straight into a file (the background export of `web/transfer_exports.py`).
"""

import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from registry.transfer.rules import archives
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import interchange
from registry.transfer.services.interchange import Problem, Source

UNKNOWN_SHEET = fmt.N_("Unknown sheet %(sheet)s; the sheets of the workbook are: %(sheets)s.")
DUPLICATE_SHEET = fmt.N_("Sheet %(sheet)s appears more than once.")
NOT_A_WORKBOOK = fmt.N_("%(name)s is not an Excel workbook (.xlsx) that can be read.")
NO_SHEETS = fmt.N_("%(name)s holds none of the sheets %(sheets)s.")
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Progress = Callable[[str, int], None]
SHEET_NAMES = tuple(spec.name.removesuffix(".csv") for spec in fmt.FILES)
# Control characters an XLSX file cannot hold (openpyxl refuses them).
_ILLEGAL_XML = dict.fromkeys((*range(0, 9), 11, 12, *range(14, 32)))


def cell_text(value) -> str:
    """A cell as the text the interchange format reads: dates ISO, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_records(sheet) -> Iterator[fmt.Record]:
    width = None
    for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [cell_text(value) for value in row]
        if width is None:
            while cells and cells[-1] == "":
                cells.pop()  # a header row padded to the sheet's width
            width = len(cells)
        elif len(cells) < width:
            cells += [""] * (width - len(cells))  # cells never typed in are empty
        yield line, cells, None


def _opener(sheet) -> Callable[[], tuple[Iterator[fmt.Record], None]]:
    """How a source opens this sheet: its records, never a problem."""
    return lambda: (_sheet_records(sheet), None)


def workbook_sources(
    data: bytes, name: str = "workbook.xlsx", limit: int = 256 * 1024 * 1024
) -> tuple[dict[str, Source], list[Problem]]:
    """The sheets of an .xlsx workbook as sources, and the problems that stop reading it
    (an unknown sheet, a damaged file). `limit` bounds the unpacked size."""
    from openpyxl import load_workbook

    try:
        archives.check_whole(data, name, limit)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except archives.ArchiveError as error:
        return {}, [Problem(name, None, error.message, error.params)]
    except Exception:  # openpyxl raises many kinds of errors on a file that is no workbook
        return {}, [Problem(name, None, NOT_A_WORKBOOK, {"name": name})]
    digest = hashlib.sha256(data).hexdigest()
    sources, problems = {}, []
    for sheet in workbook.worksheets:
        title = sheet.title.strip()
        spec = fmt.SPECS.get(f"{title.lower()}.csv")
        if spec is None:
            problems.append(
                Problem(
                    title, None, UNKNOWN_SHEET, {"sheet": title, "sheets": ", ".join(SHEET_NAMES)}
                )
            )
            continue
        if spec.name in sources:
            problems.append(Problem(title, None, DUPLICATE_SHEET, {"sheet": title}))
            continue
        sources[spec.name] = Source(spec, title, _opener(sheet), digest)
    if not sources and not problems:
        problems.append(
            Problem(name, None, NO_SHEETS, {"name": name, "sheets": ", ".join(SHEET_NAMES)})
        )
    return sources, problems


def _value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return fmt.format_cell(value)
    if isinstance(value, date | int):
        return value
    return fmt.format_cell(value).translate(_ILLEGAL_XML)


def export_workbook() -> bytes:
    """Every interchange file as a sheet of one workbook, rows ordered by key."""
    buffer = io.BytesIO()
    write_workbook(buffer)
    return buffer.getvalue()


def write_workbook(target: Path | BinaryIO, progress: Progress | None = None) -> None:
    """Every interchange file as a sheet of one workbook, rows ordered by key, written into
    `target` (a path or a binary file). `progress(file, rows)` hears every few thousand rows
    how far the writing got."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for spec, rows in interchange.export_rows():
        sheet = workbook.create_sheet(title=spec.name.removesuffix(".csv"))
        sheet.freeze_panes = "A2"
        header = []
        for column in spec.column_names:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        names = spec.column_names
        for row in interchange.counted(spec.name, rows, progress):
            # A date is written as an Excel date; openpyxl gives it the format yyyy-mm-dd.
            sheet.append([_value(row.get(column)) for column in names])
    workbook.save(target)
