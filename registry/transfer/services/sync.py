"""Synchronising people, assignments or holdings from another system (the HR system): the
per-record, per-field difference a set of records would make, and applying it all or nothing.

A sync is an import of one interchange file (DESIGN.md "Interchange format") given as records
instead of CSV: the same columns, the same checks, the same writes. Each record names its key
and any of the other columns; a column a record leaves out keeps its stored value (or its
default, for a new record), `None` empties it. The records are written as one interchange file
and handed to `interchange.plan_import` / `apply_import` (their public functions
only), so a sync refuses exactly what an import refuses and writes exactly what an import
writes: one audit event per created or changed record plus one summary event (entity
"import"), in the caller's transaction.

The difference (`SyncPlan.records`) says for every record: created, changed (each field with
its old and new value), unchanged, or refused (with the reasons). A change that empties a
stored value (a leave date, an end date …) is flagged `clears`, a lower level `lowers`: the
things an HR export silently undoes.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from registry.audit.services import audit
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.people.models.staff import Person
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import interchange

KINDS = {"people": fmt.PEOPLE, "assignments": fmt.ASSIGNMENTS, "holdings": fmt.HOLDINGS}
MAX_RECORDS = 5_000
CHUNK = 500
CREATED, CHANGED, UNCHANGED, REFUSED = "created", "changed", "unchanged", "refused"


@dataclass
class FieldChange:
    """One field of one record: stored value → new value, with warning flags."""

    field: str
    old: object
    new: object
    clears: bool = False
    lowers: bool = False

    def as_dict(self) -> dict:
        result = {"field": self.field, "old": _plain(self.old), "new": _plain(self.new)}
        if self.clears:
            result["clears"] = True
        if self.lowers:
            result["lowers"] = True
        return result


@dataclass
class RecordDiff:
    """What a sync does to one record."""

    index: int
    key: dict
    outcome: str = UNCHANGED
    changes: list[FieldChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "key": self.key,
            "outcome": self.outcome,
            "changes": [c.as_dict() for c in self.changes],
            "reasons": self.reasons,
        }


@dataclass
class SyncPlan:
    """The difference of a whole sync; `ok` when no record is refused."""

    kind: str
    records: list[RecordDiff]
    problems: list[str] = field(default_factory=list)  # not tied to one record
    applied: bool = False
    _import: interchange.ImportPlan | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.outcome != REFUSED for r in self.records)

    def summary(self) -> dict:
        counts = {CREATED: 0, CHANGED: 0, UNCHANGED: 0, REFUSED: 0}
        for record in self.records:
            counts[record.outcome] += 1
        return counts


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# --- stored records, in interchange terms ----------------------------------------------------


def stored_records(kind: str, employee_numbers) -> dict[tuple, dict]:
    """key → {column: value} of the stored records of these people (chunked queries)."""
    spec = KINDS[kind]
    wanted = sorted({n for n in employee_numbers if isinstance(n, str)})
    found = {}
    for i in range(0, len(wanted), CHUNK):
        query = interchange.records_query(spec.name).where(
            Person.employee_number.in_(wanted[i : i + CHUNK])
        )
        for row in db.session.execute(query):
            values = dict(zip(spec.column_names, row[1:], strict=True))  # row[0] is the id
            found[tuple(values[k] for k in spec.key)] = values
    return found


# --- the difference -------------------------------------------------------------------------


def _same(column: str, old, new) -> bool:
    if old == new:
        return True
    if column == "org_unit" and isinstance(old, str) and isinstance(new, str):
        # The import finds a unit by its path, case-insensitively, or by its own name.
        folded = new.casefold()
        last = old.rsplit(fmt.PATH_SEPARATOR, 1)[-1].casefold()
        return old.casefold() == folded or (fmt.PATH_SEPARATOR not in new and last == folded)
    return False


def _key_value(value):
    """A key as the import reads it from a file: its cell stripped of spaces."""
    return value.strip() if isinstance(value, str) else value


def _text_key(spec: fmt.FileSpec, record: dict) -> tuple:
    return tuple(_key_value(record.get(k)) for k in spec.key)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_breaks(row: dict, spec: fmt.FileSpec) -> int:
    """Line breaks inside the row's cells: a row of the written file spans this many lines
    more than one (the reader counts CRLF, CR and LF alike)."""
    cells = (fmt.format_cell(row.get(name)) for name in spec.column_names)
    return sum(len(_LINE_BREAK.findall(cell)) for cell in cells if cell)


def plan_sync(kind: str, records: list[dict]) -> SyncPlan:
    """The per-record, per-field difference of `records` (dicts of interchange columns with
    typed values: text, dates, levels as numbers); writes nothing."""
    if kind not in KINDS:
        raise ServiceError(_l("Unknown kind of records: %(kind)s.", kind=kind))
    spec = KINDS[kind]
    if len(records) > MAX_RECORDS:
        raise ServiceError(_l("At most %(max)s records per call.", max=MAX_RECORDS), "records")
    stored = stored_records(kind, (_key_value(r.get("employee_number")) for r in records))
    diffs, rows, lines = [], [], {}
    line = 2  # line 1 is the header
    for index, record in enumerate(records):
        key = _text_key(spec, record)
        diffs.append(RecordDiff(index, {k: record.get(k) for k in spec.key}))
        existing = stored.get(key)
        row = dict(existing) if existing else {}
        row.update(record)
        rows.append(row)
        lines[line] = index
        line += 1 + _line_breaks(row, spec)
    data = fmt.write_file(spec, rows)
    plan = interchange.plan_import({spec.name: data})
    result = SyncPlan(kind, diffs, _import=plan)
    for problem in plan.problems:
        refused = lines.get(problem.line) if problem.line is not None else None
        if refused is None:
            result.problems.append(str(problem))
        else:
            diffs[refused].outcome = REFUSED
            diffs[refused].reasons.append(problem.message)
    for diff, record in zip(diffs, records, strict=True):
        if diff.outcome == REFUSED:
            continue
        existing = stored.get(_text_key(spec, record))
        if existing is None:
            diff.outcome = CREATED
            diff.changes = [
                FieldChange(name, None, record[name])
                for name in spec.column_names
                if name in record and name not in spec.key and record[name] is not None
            ]
            continue
        for name in spec.column_names:
            if name in spec.key or name not in record:
                continue
            old, new = existing.get(name), record[name]
            if _same(name, old, new):
                continue
            diff.changes.append(
                FieldChange(
                    name,
                    old,
                    new,
                    clears=old is not None and new is None,
                    lowers=name == "level" and old is not None and new is not None and new < old,
                )
            )
        diff.outcome = CHANGED if diff.changes else UNCHANGED
    return result


def apply_sync(actor: audit.Actor, plan: SyncPlan) -> SyncPlan:
    """Write a plan without refusals in the caller's transaction (flushes, never commits)."""
    if not plan.ok or plan._import is None or plan.applied:
        raise ServiceError(_l("This sync has refused records and cannot be applied."))
    # Record by record, as the HR system sends them: each created record is an event of its
    # own (a bulk file import records them in its summary event instead).
    interchange.apply_import(actor, plan._import, audit_each=True)
    plan.applied = True
    return plan
