"""The interchange format of DESIGN.md, pure: file specs, reading CSV bytes, typed rows, problems.

A folder of CSV files, one per kind of record, each with a header row naming its columns (key
first). Reading accepts what Excel writes: UTF-8 with or without a byte-order mark, CRLF or LF
line ends, and comma or semicolon as separator (recognised from the header line). Cells are
stripped of surrounding spaces and an empty cell is empty. Every problem is a value with the
file, the line and a message; nothing stops at the first one.

Formulas: exports neutralise cells that a spreadsheet would run as a formula (starting with
= + - @, a tab or a line break) by putting an apostrophe in front, as every spreadsheet export of
the registry does. To keep round trips lossless the rule is reversible: `escape` adds one
apostrophe to a value that matches `'*[=+-@…]` (any apostrophes, then a formula character) and
`unescape` removes one from such a value. Values like "'s-Hertogenbosch" are never touched.

Pure Python: no Flask, no database. Messages are marked with `N_` and translated by the caller;
their %(name)s values travel in `Problem.params`.

Why more than 400 lines: the specs of the six files and the typed rules of their columns,
one table that the import, the export and the API sync all read.
"""

import codecs
import csv
import io
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from registry.catalogue import rules as catalogue_rules
from registry.catalogue.rules import (
    COMPETENCE_CODE,
    CRITICALITIES,
    MAX_HOLDERS,
    NAME_MAX,
    RESERVED_COMPETENCE_CODES,
    RESERVED_SERVICE_CODES,
    SERVICE_CODE,
    SERVICE_STATUSES,
)
from registry.core import limits
from registry.people import rules as people_rules


def N_(message: str) -> str:
    """Mark a message for translation; the layer that shows it translates it."""
    return message


# --- the format ---------------------------------------------------------------------------

TEXT, DATE, LEVEL, HOLDERS, BOOL, CHOICE, PATH = (
    "text",
    "date",
    "level",
    "holders",
    "bool",
    "choice",
    "path",
)
PATH_SEPARATOR = " / "
# A cell's typed value: text (text, choice, path), a date, a number (level, holders), a boolean,
# or None for an empty cell.
Value = str | date | int | bool | None

LONG_TEXT = limits.MAX_TEXT_LENGTH  # long texts: the same limit as the forms


@dataclass(frozen=True)
class Column:
    """One column. `required`: a record cannot do without a value (no default). `default`:
    what an empty cell, or a missing column on a new record, means for a column that cannot
    be empty. `reference`: the kind of record the value names."""

    name: str
    kind: str = TEXT
    max_length: int | None = None
    required: bool = False
    default: Value = None
    choices: tuple[str, ...] = ()
    reference: str | None = None


@dataclass(frozen=True)
class FileSpec:
    """One file of the format: its name, the audit entity, the columns (key first)."""

    name: str
    entity: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # (earlier column, later column): the later date may not be before the earlier one.
    ordering: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


COMPETENCES = FileSpec(
    "competences.csv",
    "competence",
    (
        Column("code", max_length=catalogue_rules.COMPETENCE_CODE_MAX),
        Column("name", max_length=NAME_MAX, required=True),
        Column("framework", max_length=NAME_MAX, reference="framework"),
        Column("area", max_length=catalogue_rules.AREA_MAX),
        Column("description", max_length=LONG_TEXT),
        Column("retired", BOOL, default=False),
        # Optional English versions (after the columns of DESIGN.md): a file without them
        # leaves the stored ones as they are.
        Column("name_en", max_length=NAME_MAX),
        Column("description_en", max_length=LONG_TEXT),
    ),
    key=("code",),
)

PEOPLE = FileSpec(
    "people.csv",
    "person",
    (
        Column("employee_number", max_length=limits.EMPLOYEE_NUMBER_MAX_LENGTH),
        Column("name", max_length=people_rules.PERSON_NAME_MAX, required=True),
        Column("email", max_length=people_rules.EMAIL_MAX),
        Column("org_unit", PATH, max_length=people_rules.ORG_UNIT_PATH_MAX, reference="org_unit"),
        Column("job_title", max_length=people_rules.JOB_TITLE_MAX),
        Column("start_date", DATE),
        Column("leave_date", DATE),
    ),
    key=("employee_number",),
    ordering=(("start_date", "leave_date"),),
)

SERVICES = FileSpec(
    "services.csv",
    "service",
    (
        Column("code", max_length=catalogue_rules.SERVICE_CODE_MAX),
        Column("name", max_length=NAME_MAX, required=True),
        Column("provider", max_length=NAME_MAX, reference="provider"),
        Column("criticality", CHOICE, default="medium", choices=CRITICALITIES),
        Column("status", CHOICE, default="active", choices=SERVICE_STATUSES),
        Column("contract_start", DATE),
        Column("contract_end", DATE),
        Column("owner", max_length=limits.EMPLOYEE_NUMBER_MAX_LENGTH, reference="person"),
        Column("description", max_length=LONG_TEXT),
    ),
    key=("code",),
    ordering=(("contract_start", "contract_end"),),
)

REQUIREMENTS = FileSpec(
    "requirements.csv",
    "requirement",
    (
        Column("service", max_length=catalogue_rules.SERVICE_CODE_MAX, reference="service"),
        Column(
            "competence", max_length=catalogue_rules.COMPETENCE_CODE_MAX, reference="competence"
        ),
        Column("required_level", LEVEL, default=3),
        Column("min_holders", HOLDERS, default=2),
        Column("rationale", max_length=LONG_TEXT),
    ),
    key=("service", "competence"),
)

ASSIGNMENTS = FileSpec(
    "assignments.csv",
    "assignment",
    (
        Column("employee_number", max_length=limits.EMPLOYEE_NUMBER_MAX_LENGTH, reference="person"),
        Column("service", max_length=catalogue_rules.SERVICE_CODE_MAX, reference="service"),
        Column("role", max_length=people_rules.ROLE_MAX),
        Column("start_on", DATE),
        Column("end_on", DATE),
    ),
    key=("employee_number", "service"),
    ordering=(("start_on", "end_on"),),
)

HOLDINGS = FileSpec(
    "holdings.csv",
    "holding",
    (
        Column("employee_number", max_length=limits.EMPLOYEE_NUMBER_MAX_LENGTH, reference="person"),
        Column(
            "competence", max_length=catalogue_rules.COMPETENCE_CODE_MAX, reference="competence"
        ),
        Column("level", LEVEL, required=True),
        Column("assessed_on", DATE),
        Column("expires_on", DATE),
        Column("assessed_by", max_length=people_rules.ASSESSED_BY_MAX),
        Column("evidence", max_length=LONG_TEXT),
    ),
    key=("employee_number", "competence"),
    ordering=(("assessed_on", "expires_on"),),
)

# In DESIGN's order, which is also the order of import: references point backwards.
FILES: tuple[FileSpec, ...] = (COMPETENCES, PEOPLE, SERVICES, REQUIREMENTS, ASSIGNMENTS, HOLDINGS)
SPECS: dict[str, FileSpec] = {spec.name: spec for spec in FILES}

# --- messages -----------------------------------------------------------------------------

NOT_UTF8 = N_('The file is not UTF-8 text; save it as "CSV UTF-8".')
EMPTY_FILE = N_("The file is empty; its first line must name the columns.")
UNKNOWN_COLUMN = N_("Unknown column %(column)s; the columns of %(file)s are: %(columns)s.")
DUPLICATE_COLUMN = N_("Column %(column)s appears more than once.")
MISSING_KEY_COLUMN = N_("The key column %(column)s is missing.")
BAD_CSV = N_("This line cannot be read as CSV: %(error)s.")
CELL_COUNT = N_("This row has %(found)s cells, but the first line names %(expected)s columns.")
REQUIRED = N_("%(column)s must not be empty.")
REQUIRED_FOR_NEW = N_(
    "%(column)s is required for a new record (%(key)s is not in the registry yet)."
)
BAD_DATE = N_("%(column)s: %(value)s is not a date; write dates as YYYY-MM-DD.")
IMPOSSIBLE_DATE = N_("%(column)s: %(value)s is an impossible date.")
EARLY_DATE = N_("%(column)s: %(value)s is before the year 1000.")
BAD_EMPLOYEE_NUMBER = N_(
    "%(column)s: %(value)s is not a valid employee number; use letters, digits, dots, "
    "hyphens and underscores, without spaces."
)
BAD_LEVEL = N_("%(column)s: %(value)s is not a level; use a whole number from 1 to 5.")
BAD_HOLDERS = N_(
    "%(column)s: %(value)s is not a number of holders; use a whole number from 1 to %(max)s."
)
BAD_BOOL = N_("%(column)s: %(value)s is neither true nor false.")
BAD_CHOICE = N_("%(column)s: %(value)s is not one of %(choices)s.")
TOO_LONG = N_("%(column)s is longer than %(max)s characters.")
BAD_PATH = N_('%(column)s: %(value)s has an empty part; write a path as "Directie A / Afdeling B".')
BAD_SERVICE_CODE = N_(
    "%(column)s: %(value)s is not a valid service code; use only lowercase "
    "letters, digits and hyphens (for example zaaksysteem-dimpact)."
)
BAD_COMPETENCE_CODE = N_(
    "%(column)s: %(value)s is not a valid competence code; use letters, "
    "digits, dots, hyphens and underscores, without spaces."
)
RESERVED_CODE = N_("%(column)s: %(value)s is a reserved word; choose another code.")
DUPLICATE_KEY = N_("Duplicate key %(key)s: it is also on line %(line)s.")
OUT_OF_ORDER = N_("%(later_column)s %(later)s is before %(earlier_column)s %(earlier)s.")


@dataclass(frozen=True)
class Problem:
    """Something wrong with an interchange file; `line` is None for the file as a whole."""

    file: str
    line: int | None
    message: str  # untranslated, with %(name)s placeholders
    params: dict[str, object] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = lambda message: message) -> str:
        """The message with its values filled in, through `translate`."""
        return translate(self.message) % self.params if self.params else translate(self.message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.text()}"


@dataclass(frozen=True)
class Row:
    """A data row: its first line in the file, its key and the typed values of the columns
    the file has (a column the file lacks is absent, not None)."""

    line: int
    key: tuple[Value, ...]
    values: dict[str, Value]


@dataclass
class ParsedFile:
    """The rows of one file that could be read, and every problem found."""

    spec: FileSpec
    columns: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every key found in the file, also of rows with problems (their references still count).
    keys: set[tuple[str, ...]] = field(default_factory=set)


# --- cells --------------------------------------------------------------------------------

FORMULA_START = "=+-@\t\r\n"
_FORMULA = re.compile(r"'*[" + re.escape(FORMULA_START) + "]")
_NEUTRALISED = re.compile(r"'+[" + re.escape(FORMULA_START) + "]")


def escape(text: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (reversed by `unescape`)."""
    return "'" + text if _FORMULA.match(text) else text


def unescape(text: str) -> str:
    """Undo `escape`: drop the apostrophe in front of a neutralised formula."""
    return text[1:] if _NEUTRALISED.match(text) else text


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
# Dutch Excel shows ISO dates as d-m-yyyy and saves them that way; day first, never ambiguous.
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})\Z")
_TRUE = frozenset({"true", "waar", "ja", "yes", "1"})
_FALSE = frozenset({"false", "onwaar", "nee", "no", "0"})


def format_cell(value: object) -> str:
    """A typed value as the text of an exported cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


def normalise_path(text: str) -> tuple[str, ...]:
    """The parts of an org-unit path: "Directie A / Afdeling B" → ("Directie A", "Afdeling B")."""
    return tuple(part.strip() for part in text.split("/"))


def _parse_date(text: str) -> tuple[date | None, str | None]:
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DUTCH_DATE.match(text)
        if not match:
            return None, BAD_DATE
        day, month, year = (int(g) for g in match.groups())
    try:
        return (date(year, month, day), None) if year >= limits.MIN_YEAR else (None, EARLY_DATE)
    except ValueError:
        return None, IMPOSSIBLE_DATE


def _parse_int(text: str, low: int, high: int) -> int | None:
    if not re.fullmatch(r"\d{1,4}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_cell(column: Column, text: str) -> tuple[Value, str | None]:
    """(typed value, problem message or None) for the stripped, unescaped text of a cell.
    Empty means None, or the column's default."""
    if text == "":
        if column.required:
            return None, REQUIRED
        return column.default, None
    if column.max_length and len(text) > column.max_length:
        return None, TOO_LONG
    if column.kind == DATE:
        return _parse_date(text)
    if column.kind == LEVEL:
        number = _parse_int(text, 1, 5)
        return (number, None) if number is not None else (None, BAD_LEVEL)
    if column.kind == HOLDERS:
        number = _parse_int(text, 1, MAX_HOLDERS)
        return (number, None) if number is not None else (None, BAD_HOLDERS)
    if column.kind == BOOL:
        word = text.lower()
        if word in _TRUE:
            return True, None
        return (False, None) if word in _FALSE else (None, BAD_BOOL)
    if column.kind == CHOICE:
        code = text.lower()
        return (code, None) if code in column.choices else (None, BAD_CHOICE)
    if column.kind == PATH:
        parts = normalise_path(text)
        if not all(parts):
            return None, BAD_PATH
        if any(len(part) > people_rules.ORG_UNIT_NAME_MAX for part in parts):
            return None, TOO_LONG
        return PATH_SEPARATOR.join(parts), None
    return text, None


def _check_code(spec: FileSpec, column: str, value: Value) -> str | None:
    # Codes and employee numbers are text columns: their values are text or None.
    if not isinstance(value, str):
        return None
    if spec is PEOPLE and column == "employee_number":
        problem = limits.employee_number_problem(value)
        return {"pattern": BAD_EMPLOYEE_NUMBER, "reserved": RESERVED_CODE}.get(problem or "")
    if column != "code":
        return None
    if spec is SERVICES:
        if not SERVICE_CODE.match(value):
            return BAD_SERVICE_CODE
        return RESERVED_CODE if value in RESERVED_SERVICE_CODES else None
    if spec is COMPETENCES:
        if not COMPETENCE_CODE.match(value):
            return BAD_COMPETENCE_CODE
        return RESERVED_CODE if value.lower() in RESERVED_COMPETENCE_CODES else None
    return None


def key_text(key: tuple[object, ...]) -> str:
    """A key as users write it: "P01" or "zaaksysteem / A.2"."""
    return PATH_SEPARATOR.join(str(part) for part in key)


def check_order(spec: FileSpec, values: Mapping[str, Value]) -> list[tuple[str, dict[str, object]]]:
    """(message, params) for each pair of dates in the wrong order, the same rules as the
    database's check constraints (equal dates are allowed)."""
    found: list[tuple[str, dict[str, object]]] = []
    for earlier, later in spec.ordering:
        first, last = values.get(earlier), values.get(later)
        # Ordered columns are date columns: their values are dates or None.
        if isinstance(first, date) and isinstance(last, date) and last < first:
            found.append(
                (
                    OUT_OF_ORDER,
                    {
                        "later_column": later,
                        "later": last.isoformat(),
                        "earlier_column": earlier,
                        "earlier": first.isoformat(),
                    },
                )
            )
    return found


# --- reading a file -----------------------------------------------------------------------

# A record of a file as its reader sees it: (first line, cells, error). `cells` is None when the
# record cannot be read (`error` says why); nothing is read after such a record.
Record = tuple[int, list[str] | None, str | None]
_DECODE_STEP = 1 << 20


def check_utf8(spec_name: str, data: bytes) -> Problem | None:
    """The problem that stops reading a file (not UTF-8, or empty), checked in steps so that a
    large file is never held twice in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    empty = True
    for start in range(0, len(data), _DECODE_STEP):
        piece = data[start : start + _DECODE_STEP]
        try:
            text = decoder.decode(piece, final=start + _DECODE_STEP >= len(data))
        except UnicodeDecodeError as error:
            line = data[: start + error.start].count(b"\n") + 1
            return Problem(spec_name, line, NOT_UTF8)
        if empty and text.lstrip("\ufeff").strip():
            empty = False
    if empty:
        return Problem(spec_name, 1, EMPTY_FILE)
    return None


def decode(spec_name: str, data: bytes) -> tuple[str | None, Problem | None]:
    """The text of a file (byte-order mark dropped), or the problem that stops reading it."""
    problem = check_utf8(spec_name, data)
    return (None, problem) if problem else (data.decode("utf-8-sig"), None)


def detect_separator(text: str) -> str:
    """Semicolon when the header line has more semicolons than commas (Dutch Excel)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def csv_records(data: bytes) -> Iterator[Record]:
    """The records of CSV bytes that passed `check_utf8`, decoded while they are read;
    multi-line cells are allowed."""
    header = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8", "replace")
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, delimiter=detect_separator(header), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, None, str(error)
            return
        yield line, cells, None
        line = reader.line_num + 1


class FileReader:
    """Reads one file's records into typed rows, one at a time.

    `rows()` yields each row without a problem; meanwhile `problems` collects every problem (as
    `file:line`, where `file` is the file or sheet name) and `keys` the first line of every key
    found (as text, also of rows with problems: references to them still count). Only the keys
    are kept, so a file of any length is read in little memory.
    """

    def __init__(self, spec: FileSpec, records: Iterator[Record], file: str | None = None):
        self.spec = spec
        self.file = file or spec.name
        self.records = records
        self.columns: tuple[str, ...] = ()
        self.problems: list[Problem] = []
        self.keys: dict[str | tuple[str, ...], int] = {}

    def rows(self) -> Iterator[Row]:
        spec, problems = self.spec, self.problems
        first = next(self.records, None)
        if first is None:
            problems.append(Problem(self.file, 1, EMPTY_FILE))
            return
        _, header, error = first
        if error or header is None:
            problems.append(Problem(self.file, 1, BAD_CSV, {"error": error}))
            return
        names, readable = _header(spec, self.file, header, problems)
        self.columns = tuple(n for n in dict.fromkeys(names) if n in spec.column_names)
        if not readable:
            return
        key_positions = [names.index(k) for k in spec.key]
        cells_to_read = _cells(spec, names)
        width = len(names)
        for line, cells, error in self.records:
            if error or cells is None:
                problems.append(Problem(self.file, line, BAD_CSV, {"error": error}))
                return
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's trailing ";;;;" rows
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]  # trailing empty cells, as some spreadsheets write
            if len(cells) != width:
                problems.append(
                    Problem(self.file, line, CELL_COUNT, {"found": len(cells), "expected": width})
                )
                continue
            if self._duplicate(cells, key_positions, line):
                continue
            row = _row(spec, self.file, cells_to_read, line, cells, problems)
            if row is not None:
                yield row

    def _duplicate(self, cells: list[str], positions: list[int], line: int) -> bool:
        """Note the row's key (as text; a one-column key as its string alone, which halves
        the memory a large file's keys take); True, and reported, when it was seen before."""
        key: str | tuple[str, ...]
        if len(positions) == 1:
            key = unescape(cells[positions[0]].strip())
            if not key:
                return False
        else:
            key = tuple(sys.intern(unescape(cells[i].strip())) for i in positions)
            if not all(key):
                return False
        first = self.keys.setdefault(key, line)
        if first == line:
            return False
        shown = key_text(key) if isinstance(key, tuple) else key
        self.problems.append(Problem(self.file, line, DUPLICATE_KEY, {"key": shown, "line": first}))
        return True

    def first_keys(self) -> Iterator[str]:
        """The first column of every key found."""
        return (key if isinstance(key, str) else key[0] for key in self.keys)


def _header(
    spec: FileSpec, file: str, cells: list[str], problems: list[Problem]
) -> tuple[list[str], bool]:
    """The column names of the header row, and whether the file can be read (its key columns
    are there); unknown, repeated and missing columns are reported."""
    names = [unescape(cell.strip()).lower() for cell in cells]
    known = spec.column_names
    seen: set[str] = set()
    for name in names:
        if name not in known and name not in seen:
            problems.append(
                Problem(
                    file,
                    1,
                    UNKNOWN_COLUMN,
                    {"column": name or '""', "file": file, "columns": ", ".join(known)},
                )
            )
        elif name in known and name in seen:
            problems.append(Problem(file, 1, DUPLICATE_COLUMN, {"column": name}))
        seen.add(name)
    missing = [key for key in spec.key if key not in names]
    for key in missing:
        problems.append(Problem(file, 1, MISSING_KEY_COLUMN, {"column": key}))
    return names, not missing


def _cells(spec: FileSpec, names: list[str]) -> list[tuple[int, Column, bool, bool]]:
    """(position, column, is a key column, is a checked code) for each column to read: the
    first occurrence of each known column (unknown and repeated ones are reported with the
    header)."""
    found: list[tuple[int, Column, bool, bool]] = []
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name in spec.column_names and name not in seen:
            seen.add(name)
            found.append(
                (position, spec.column(name), name in spec.key, name in ("code", "employee_number"))
            )
    return found


def _row(
    spec: FileSpec,
    file: str,
    cells_to_read: list[tuple[int, Column, bool, bool]],
    line: int,
    cells: list[str],
    problems: list[Problem],
) -> Row | None:
    values: dict[str, Value] = {}
    ok = True
    for position, column, is_key, is_code in cells_to_read:
        raw = cells[position]
        text = raw.strip()
        if text and text[0] == "'":
            text = unescape(text)
        limit = column.max_length
        value: Value
        if column.kind == TEXT and text and not (limit and len(text) > limit):
            value, message = text, None  # the common case, without the general parser
        else:
            value, message = parse_cell(column, text)
        if is_code and message is None:
            message = _check_code(spec, column.name, value)
        if is_key and value is None and message is None:
            message = REQUIRED
        if message:
            ok = False
            problems.append(
                Problem(
                    file,
                    line,
                    message,
                    {
                        "column": column.name,
                        "value": text,
                        "max": column.max_length or MAX_HOLDERS,
                        "choices": ", ".join(column.choices),
                    },
                )
            )
            continue
        if column.reference and type(value) is str:
            value = sys.intern(value)
        values[column.name] = value
    if not ok:
        return None
    if spec.ordering:
        for message, params in check_order(spec, values):
            problems.append(Problem(file, line, message, params))
            ok = False
    return Row(line, tuple(values[k] for k in spec.key), values) if ok else None


def parse_file(spec: FileSpec, data: bytes) -> ParsedFile:
    """Read one whole CSV file into typed rows, collecting every problem. Rows with a problem
    are left out of `rows` (their keys still count as present in the file)."""
    parsed = ParsedFile(spec)
    problem = check_utf8(spec.name, data)
    if problem:
        parsed.problems.append(problem)
        return parsed
    reader = FileReader(spec, csv_records(data))
    parsed.rows = list(reader.rows())
    parsed.columns = reader.columns
    parsed.problems = reader.problems
    parsed.keys = {key if isinstance(key, tuple) else (key,) for key in reader.keys}
    return parsed


# --- writing a file -----------------------------------------------------------------------


def write_file(spec: FileSpec, rows: Iterable[Mapping[str, object]]) -> bytes:
    """A complete file: every column, UTF-8 with a byte-order mark, CRLF, formulas neutralised.
    The caller orders the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spec.column_names)
    for row in rows:
        writer.writerow([format_cell(row.get(name)) for name in spec.column_names])
    return buffer.getvalue().encode("utf-8-sig")


def slug(text: str, max_length: int = 60) -> str:
    """A key made from a name: "European e-CF 4.0" → "european-e-cf-4.0"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9.]+", "-", plain.lower()).strip("-.")
    return value[:max_length].strip("-.") or "framework"
