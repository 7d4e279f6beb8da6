"""Import and export of the interchange files: the API the CLI and the web upload share.

    plan = plan_import(files)              # reads and checks everything; writes nothing
    plan = import_files(actor, files)      # checks and writes in one pass (flush, no commit);
                                           # the caller commits when plan.ok, else rolls back
    files = export_files()                 # every file, every column, rows ordered by key

`files` are CSV bytes by file name, or the `Source`s of an Excel workbook
(`registry.transfer.services.workbook`). Files are read as a stream, in batches of rows: only
the keys seen so far are kept (for duplicates and references), so memory does not grow with
the rows' contents. Each batch is checked against the database in a fixed number of queries (records
looked up by key in chunks), and — when writing and nothing is wrong so far — written at once:
one INSERT … RETURNING for the new records, one UPDATE per set of changed columns, never an
ORM object per row. A problem anywhere stops the writing; the caller's
rollback then undoes the batches written before it: all or nothing. The summary event (entity
"import") comes last.

Audit: every changed record gets its own event with the values before and after (they exist
nowhere else). Created records are covered by the import's summary event, which holds the
counts per file and the SHA-256 of every file read: the created values are exactly the rows of
those files. With IMPORT_AUDIT_EACH_RECORD = True every created record gets its own event as
well (as `audit.record` would write it), at about twice the import time. Frameworks, providers
and org units created by name always get their own events.

References may point to rows in the database or in an earlier file of the same import;
frameworks, providers and org units are created by name (an org unit by its path).

Round trips are lossless: `export_files()` → import into an empty database → `export_files()`
gives the same bytes. Formula neutralisation is described in `registry.transfer.rules.interchange`.

Why more than 400 lines: the streaming import is one algorithm (read, check and write per
batch, with state shared across the six kinds of file); split, that state would travel between
modules.
"""

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Result, Row, bindparam, func, inspect, select, text
from sqlalchemy.orm import aliased

from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core import tenancy
from registry.core.database import bulk_insert, dml_result, planned_each_time, table_of
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person
from registry.transfer.rules import interchange as fmt

logger = logging.getLogger(__name__)

CHUNK = 500  # keys per IN (…) query: well below every backend's parameter limit
BATCH = 2_000  # rows checked and written together
PROGRESS_EVERY = 5_000  # rows between the progress reports of an export

UNKNOWN_FILE = fmt.N_("Unknown file %(file)s; the interchange files are: %(files)s.")
UNKNOWN_REFERENCE = fmt.N_(
    "Unknown %(column)s %(value)s: it is neither in the registry nor in %(file)s."
)
NOT_PLANNED = fmt.N_("This import has problems and cannot be applied.")
CHANGED_MEANWHILE = fmt.N_(
    "Records in %(file)s were changed by someone else during the import; nothing was imported."
)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A problem with an import; `str()` gives "file:line: message" in the user's language."""

    file: str
    line: int | None
    template: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return gettext(self.template, **self.params)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"

    @classmethod
    def of(cls, problem: fmt.Problem) -> "Problem":
        return cls(problem.file, problem.line, problem.message, dict(problem.params))


@dataclass(frozen=True)
class Counts:
    """Rows of one file: to create, to change, and already as in the file."""

    create: int = 0
    update: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Source:
    """One interchange file to read: its spec, the name problems are reported under
    ("holdings.csv", or the sheet "holdings"), and how to open it: (records, None) or
    (None, the problem that stops reading it)."""

    spec: fmt.FileSpec
    label: str
    open: Callable[[], tuple[Iterator[fmt.Record] | None, fmt.Problem | None]]
    digest: str | None = None  # SHA-256 of the file, recorded in the import's audit event


def _csv_opener(name: str, data: bytes):
    def open_csv():
        problem = fmt.check_utf8(name, data)
        return (None, problem) if problem else (fmt.csv_records(data), None)

    return open_csv


# What the import reads: CSV bytes by file name, or `(sources, problems)` (a workbook's sheets).
Sources = tuple[dict[str, Source], list[Problem]]
ImportFiles = dict[str, bytes] | Sources


def csv_sources(files: dict[str, bytes]) -> Sources:
    """The sources of CSV files by name, and a problem for each name that is not a file of the
    format."""
    problems = [
        Problem(name, None, UNKNOWN_FILE, {"file": name, "files": ", ".join(fmt.SPECS)})
        for name in sorted(files)
        if name not in fmt.SPECS
    ]
    sources = {
        spec.name: Source(
            spec,
            spec.name,
            _csv_opener(spec.name, files[spec.name]),
            hashlib.sha256(files[spec.name]).hexdigest(),
        )
        for spec in fmt.FILES
        if spec.name in files
    }
    return sources, problems


@dataclass
class ImportPlan:
    """What an import would do, or did: problems, counts per file, references it creates."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    # Frameworks, providers and org units (paths) the import creates, by entity.
    new_references: dict[str, list[str]] = field(default_factory=dict)
    applied: bool = False
    seconds: float = 0.0
    _sources: Sources | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def tables(self) -> list[str]:
        """The tables an applied import wrote to (for refreshing planner statistics)."""
        touched = [
            _MODELS[name].__tablename__ for name, c in self.counts.items() if c.create or c.update
        ]
        touched += [_REFERENCE_MODELS[kind].__tablename__ for kind in self.new_references]
        return sorted(set(touched)) + (["audit_events"] if self.applied else [])

    @property
    def rows_written(self) -> int:
        return sum(c.create + c.update for c in self.counts.values())

    def summary(self) -> dict:
        """The counts as plain data (the summary audit event's `after`)."""
        return {
            "files": {
                name: {"create": c.create, "update": c.update, "unchanged": c.unchanged}
                for name, c in self.counts.items()
            },
            "created": {kind: len(names) for kind, names in self.new_references.items()},
        }


# --- loading the registry in interchange terms --------------------------------------------

_owner = aliased(Person)


# Each file's columns in interchange order (after the record's id) and the relations they are
# read through: optional references (framework, org unit, provider, owner) by an outer join.
_RECORD_COLUMNS: dict[str, tuple[tuple, tuple, bool]] = {
    "competences.csv": (
        (
            Competence.id,
            Competence.code,
            Competence.name,
            Framework.name,
            Competence.area,
            Competence.description,
            Competence.retired,
            Competence.name_en,
            Competence.description_en,
        ),
        (Competence.framework,),
        True,
    ),
    "people.csv": (
        (
            Person.id,
            Person.employee_number,
            Person.name,
            Person.email,
            OrgUnit.path,
            Person.job_title,
            Person.start_date,
            Person.leave_date,
        ),
        (Person.org_unit,),
        True,
    ),
    "services.csv": (
        (
            Service.id,
            Service.code,
            Service.name,
            Provider.name,
            Service.criticality,
            Service.status,
            Service.contract_start,
            Service.contract_end,
            _owner.employee_number,
            Service.description,
        ),
        (Service.provider, Service.owner.of_type(_owner)),
        True,
    ),
    "requirements.csv": (
        (
            Requirement.id,
            Service.code,
            Competence.code,
            Requirement.required_level,
            Requirement.min_holders,
            Requirement.rationale,
        ),
        (Requirement.service, Requirement.competence),
        False,
    ),
    "assignments.csv": (
        (
            Assignment.id,
            Person.employee_number,
            Service.code,
            Assignment.role,
            Assignment.start_on,
            Assignment.end_on,
        ),
        (Assignment.person, Assignment.service),
        False,
    ),
    "holdings.csv": (
        (
            Holding.id,
            Person.employee_number,
            Competence.code,
            Holding.level,
            Holding.assessed_on,
            Holding.expires_on,
            Holding.assessed_by,
            Holding.evidence,
        ),
        (Holding.person, Holding.competence),
        False,
    ),
}


def records_query(spec_name: str):
    """A select of (id, *columns) in interchange terms, for one file (the export, the import's
    comparison and the API sync read stored records through it)."""
    columns, relations, outer = _RECORD_COLUMNS[spec_name]
    query = select(*columns)
    for relation in relations:
        query = query.join(relation, isouter=outer)
    return query


# The column each file's stored records are looked up by (the first key column).
_FILTER = {
    "competences.csv": Competence.code,
    "people.csv": Person.employee_number,
    "services.csv": Service.code,
    "requirements.csv": Service.code,
    "assignments.csv": Person.employee_number,
    "holdings.csv": Person.employee_number,
}
# The records of the six files: each is versioned (optimistic locking).
_Record = Competence | Person | Service | Requirement | Assignment | Holding
_MODELS: dict[str, type[_Record]] = {
    "competences.csv": Competence,
    "people.csv": Person,
    "services.csv": Service,
    "requirements.csv": Requirement,
    "assignments.csv": Assignment,
    "holdings.csv": Holding,
}
_REFERENCE_MODELS = {"framework": Framework, "provider": Provider, "org_unit": OrgUnit}


@dataclass(frozen=True)
class _Stored:
    """A stored record in interchange terms."""

    id: int
    version: int
    values: dict


def _records(spec: fmt.FileSpec, first_keys=None) -> dict[tuple, _Stored]:
    """key → stored record, in interchange terms: all of them, or those whose first key column
    is one of `first_keys` (looked up in chunks)."""
    names = spec.column_names
    model = _MODELS[spec.name]
    query = records_query(spec.name).add_columns(model.version)
    batches: Iterable[Result[*tuple[Any, ...]]]
    if first_keys is None:
        batches = [db.session.execute(query)]
    else:
        wanted = sorted(first_keys)
        batches = (
            db.session.execute(query.where(_FILTER[spec.name].in_(wanted[i : i + CHUNK])))
            for i in range(0, len(wanted), CHUNK)
        )
    found = {}
    for rows in batches:
        for row in rows:
            values = dict(zip(names, row[1:-1], strict=True))
            found[tuple(values[k] for k in spec.key)] = _Stored(row[0], row[-1], values)
    return found


@dataclass
class _References:
    """Name → id of everything a row may refer to; `None` ids are created by the import."""

    framework: dict[str, int | None]
    provider: dict[str, int | None]
    org_unit: dict[str, int | None]
    person: dict[str, int | None]
    service: dict[str, int | None]
    competence: dict[str, int | None]
    framework_keys: set[str]
    _canonical: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_References":
        s = db.session

        def names(id_column, name_column) -> dict:
            return {
                name: record_id for record_id, name in s.execute(select(id_column, name_column))
            }

        return cls(
            framework=names(Framework.id, Framework.name),
            provider=names(Provider.id, Provider.name),
            org_unit=names(OrgUnit.id, OrgUnit.path),
            person=names(Person.id, Person.employee_number),
            service=names(Service.id, Service.code),
            competence=names(Competence.id, Competence.code),
            framework_keys=set(s.scalars(select(Framework.key))),
        )

    def canonical(self, kind: str, name: str) -> str:
        """The stored spelling of a created-by-name reference: the exact name or path, else
        the only one that differs just in case (or, for a one-part org unit path, the only
        unit with that name), else the name as written (a new record)."""
        table = getattr(self, kind)
        if name in table:
            return name
        if (kind, name) not in self._canonical:
            self._canonical[kind, name] = self._nearest(kind, name)
        return self._canonical[kind, name]

    def _nearest(self, kind: str, name: str) -> str:
        table = getattr(self, kind)
        folded = name.casefold()
        matches = [n for n in table if n.casefold() == folded]
        if kind == "org_unit" and fmt.PATH_SEPARATOR not in name and not matches:
            matches = [p for p in table if p.rsplit(fmt.PATH_SEPARATOR, 1)[-1].casefold() == folded]
        return matches[0] if len(matches) == 1 else name


# Which reference a column's value names, per file (the key columns of links included).
_CREATED_BY_NAME = ("framework", "provider", "org_unit")
_SOURCE_FILE = {"person": "people.csv", "service": "services.csv", "competence": "competences.csv"}
# column → (model attribute, reference kind) for columns that name another record.
_LINKS = {
    "competences.csv": {"framework": ("framework_id", "framework")},
    "people.csv": {"org_unit": ("org_unit_id", "org_unit")},
    "services.csv": {"provider": ("provider_id", "provider"), "owner": ("owner_id", "person")},
    "requirements.csv": {
        "service": ("service_id", "service"),
        "competence": ("competence_id", "competence"),
    },
    "assignments.csv": {
        "employee_number": ("person_id", "person"),
        "service": ("service_id", "service"),
    },
    "holdings.csv": {
        "employee_number": ("person_id", "person"),
        "competence": ("competence_id", "competence"),
    },
}
# The reference each file's key makes known to later files.
_PROVIDES = {"competences.csv": "competence", "people.csv": "person", "services.csv": "service"}


def _attributes(spec_name: str, values: dict, refs: _References) -> dict:
    links = _LINKS[spec_name]
    attributes = {}
    for column, value in values.items():
        if column in links:
            attribute, kind = links[column]
            attributes[attribute] = None if value is None else getattr(refs, kind)[value]
        else:
            attributes[column] = value
    return attributes


def _new_framework_key(name: str, refs: _References) -> str:
    base = key = fmt.slug(name)
    n = 2
    while key in refs.framework_keys:
        suffix = f"-{n}"
        key, n = base[: 60 - len(suffix)] + suffix, n + 1
    refs.framework_keys.add(key)
    return key


def _with_parents(kind: str, names, refs: _References) -> list[str]:
    """For org units, every level of each new path that does not exist yet, parents first."""
    if kind != "org_unit":
        return list(names)
    paths = set()
    for path in names:
        parts = path.split(fmt.PATH_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            prefix = fmt.PATH_SEPARATOR.join(parts[:depth])
            if prefix not in refs.org_unit:
                paths.add(prefix)
    return sorted(paths, key=lambda p: (p.count(fmt.PATH_SEPARATOR), p))


def _plain_snapshot(model) -> Callable:
    """A function turning a RETURNING row of all columns into `audit.snapshot`'s dict."""
    attributes = [(a.key, a.columns[0].name) for a in inspect(model).column_attrs]
    secret = audit.SECRET_COLUMNS | audit.IMPLIED_COLUMNS

    def snapshot(row) -> dict:
        mapping = row._mapping
        return {key: _plain(mapping[name]) for key, name in attributes if key not in secret}

    return snapshot


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(rows, size)):
        yield batch


# --- one pass over the files ----------------------------------------------------------------


class _Import:
    """Reads every source in DESIGN's file order; checks each batch of rows and, when
    `actor` is given and nothing is wrong so far, writes it."""

    def __init__(
        self,
        sources: dict[str, Source],
        problems: list[Problem],
        actor=None,
        progress=None,
        audit_each: bool | None = None,
    ):
        self.sources, self.actor = sources, actor
        self.progress = progress  # called with (file label, rows read so far) per batch
        self.digests = {
            "sha256": {s.label: s.digest for s in sources.values() if s.digest is not None}
        }
        self.plan = ImportPlan(problems=list(problems))
        self.refs = _References.load()
        # Keys each file brings (also of rows with problems), for references of later files.
        self.planned: dict[str, Container] = {
            "person": set(),
            "service": set(),
            "competence": set(),
        }
        self.new_refs: dict[str, dict[str, None]] = {kind: {} for kind in _CREATED_BY_NAME}
        self.created_refs: dict[str, list[str]] = {}
        self.next_id: dict[str, int] = {}
        if audit_each is None:
            audit_each = bool(current_app.config.get("IMPORT_AUDIT_EACH_RECORD", False))
        self.audit_each = audit_each

    @property
    def writing(self) -> bool:
        return self.actor is not None and not self.plan.problems

    def run(self) -> ImportPlan:
        started = time.perf_counter()
        with planned_each_time(db.session):
            for spec in fmt.FILES:
                if spec.name in self.sources:
                    self._file(self.sources[spec.name])
        plan = self.plan
        plan.new_references = {
            kind: sorted(_with_parents(kind, names, self.refs))
            for kind, names in self.new_refs.items()
            if names
        }
        for kind, names in self.created_refs.items():
            plan.new_references[kind] = sorted(set(plan.new_references.get(kind, ())) | set(names))
        order = {spec.name: i for i, spec in enumerate(fmt.FILES)}
        labels = {source.label: source.spec.name for source in self.sources.values()}
        plan.problems.sort(
            key=lambda p: (order.get(labels.get(p.file, p.file), -1), p.file, p.line or 0)
        )
        if self.writing:
            audit.record(self.actor, "import", "import", after=plan.summary() | self.digests)
            db.session.flush()
            db.session.expire_all()  # the ORM's copies of what was written in bulk
            plan.applied = True
        plan.seconds = time.perf_counter() - started
        return plan

    def _file(self, source: Source) -> None:
        spec = source.spec
        records, problem = source.open()
        if problem is not None:
            self.plan.problems.append(Problem.of(problem))
            return
        if records is None:  # never: without a problem, open() gives the records
            return
        reader = fmt.FileReader(spec, records, source.label)
        counts = [0, 0, 0]
        rows = reader.rows()
        done = 0
        for batch in _batches(rows, BATCH):
            self._take_problems(reader)
            self._batch(source, batch, counts)
            done += len(batch)
            if self.progress:
                self.progress(source.label, done)
        self._take_problems(reader)
        self.plan.counts[spec.name] = Counts(*counts)
        if spec.name in _PROVIDES:
            # Their keys are one column: the reader's own dict serves (no copy of 50,000 keys).
            self.planned[_PROVIDES[spec.name]] = reader.keys
        logger.info(
            "import %s: %s new, %s changed, %s unchanged",
            source.label,
            *counts,
        )

    def _take_problems(self, reader: fmt.FileReader) -> None:
        self.plan.problems.extend(Problem.of(p) for p in reader.problems)
        reader.problems.clear()

    def _batch(self, source: Source, rows: list[fmt.Row], counts: list[int]) -> None:
        spec, problems = source.spec, self.plan.problems
        stored = _records(spec, {row.key[0] for row in rows})
        defaults = {c.name: c.default for c in spec.columns}
        required = [c.name for c in spec.columns if c.required]
        creates, updates = [], []
        for row in rows:
            values = self._resolve(source, row)
            if values is None:
                continue
            existing = stored.get(row.key)
            if existing is None:
                merged = defaults | values
                missing = [name for name in required if name not in values]
                for name in missing:
                    problems.append(
                        Problem(
                            source.label,
                            row.line,
                            fmt.REQUIRED_FOR_NEW,
                            {"column": name, "key": fmt.key_text(row.key)},
                        )
                    )
            else:
                merged, missing = existing.values | values, []
            order = fmt.check_order(spec, merged)
            for message, params in order:
                problems.append(Problem(source.label, row.line, message, params))
            if missing or order:
                continue
            if existing is None:
                creates.append(merged)
                counts[0] += 1
                continue
            changed = {k: v for k, v in values.items() if existing.values.get(k) != v}
            if changed:
                updates.append((existing, changed))
                counts[1] += 1
            else:
                counts[2] += 1
        if self.writing:
            self._create_references()
            self._update(spec, updates)
            self._insert(spec, creates)

    def _resolve(self, source: Source, row: fmt.Row) -> dict | None:
        """The row's values with references resolved to their stored spelling, or None when
        a reference is unknown (reported)."""
        spec, refs = source.spec, self.refs
        values, ok = dict(row.values), True
        for column in spec.columns:
            kind = column.reference
            if kind is None or column.name not in values:
                continue
            if spec.name == "people.csv" and column.name == "employee_number":
                continue
            value = values[column.name]
            if not isinstance(value, str):  # references are text columns: None when empty
                continue
            if kind in _CREATED_BY_NAME:
                value = refs.canonical(kind, value)
                values[column.name] = value
                if value not in getattr(refs, kind):
                    self.new_refs[kind][value] = None
            elif value not in getattr(refs, kind) and value not in self.planned[kind]:
                self.plan.problems.append(
                    Problem(
                        source.label,
                        row.line,
                        UNKNOWN_REFERENCE,
                        {"column": column.name, "value": value, "file": _SOURCE_FILE[kind]},
                    )
                )
                ok = False
        return values if ok else None

    # --- writing ---

    def _create_references(self) -> None:
        """Create the frameworks, providers and org units named for the first time so far."""
        refs = self.refs
        for kind, pending in self.new_refs.items():
            if not pending:
                continue
            names = _with_parents(kind, pending, refs)
            pending.clear()
            created: list[Framework | Provider | OrgUnit]
            if kind == "framework":
                created = [Framework(key=_new_framework_key(n, refs), name=n) for n in names]
            elif kind == "provider":
                created = [Provider(name=n) for n in names]
            else:
                units: dict[str, OrgUnit] = {}
                for path in names:  # parents first
                    parent_path, _, name = path.rpartition(fmt.PATH_SEPARATOR)
                    unit = OrgUnit(name=name, path=path)
                    if parent_path in units:
                        unit.parent = units[parent_path]
                    elif parent_path:
                        unit.parent_id = refs.org_unit[parent_path]
                    units[path] = unit
                created = list(units.values())
            db.session.add_all(created)
            db.session.flush()
            table = getattr(refs, kind)
            for record in created:
                table[record.path if isinstance(record, OrgUnit) else record.name] = record.id
                audit.record(self.actor, "create", kind, record.id, after=audit.snapshot(record))
            self.created_refs.setdefault(kind, []).extend(names)

    def _insert(self, spec: fmt.FileSpec, creates: list[dict]) -> None:
        """Insert with ids taken beforehand (one executemany or COPY, no row-by-row RETURNING), then
        read the rows back for their audit events, defaults included."""
        if not creates:
            return
        model = _MODELS[spec.name]
        table = table_of(model)
        ids = self._new_ids(table, len(creates))
        # Inserted without the ORM: the rows get the organisation imported into here.
        owned = issubclass(model, tenancy.OwnedByOrganisation)
        owner = {"organisation_id": tenancy.organisation_for_insert(db.session)} if owned else {}
        params = [
            _attributes(spec.name, values, self.refs) | {"id": record_id} | owner
            for values, record_id in zip(creates, ids, strict=True)
        ]
        bulk_insert(db.session, table, params)
        if self.audit_each:
            snapshot = _plain_snapshot(model)
            rows: list[Row[*tuple[Any, ...]]] = []
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                rows.extend(db.session.execute(select(table).where(table.c.id.in_(chunk))))
            rows.sort(key=lambda row: row.id)
            audit.record_many(
                self.actor,
                (("create", spec.entity, row.id, None, snapshot(row)) for row in rows),
            )
        if spec.name in _PROVIDES:
            known = getattr(self.refs, _PROVIDES[spec.name])
            attribute = spec.key[0]
            for row in params:
                known[row[attribute]] = row["id"]

    def _new_ids(self, table, count: int) -> list[int]:
        """`count` new primary keys of `table`: from its sequence on PostgreSQL; on SQLite
        after the highest in use (this transaction holds the write lock)."""
        session = db.session
        if session.get_bind().dialect.name == "postgresql":
            return list(
                session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :count)"
                    ),
                    {"table": table.name, "count": count},
                )
            )
        if table.name not in self.next_id:
            highest = session.scalar(select(func.max(table.c.id)))
            self.next_id[table.name] = (highest or 0) + 1
        first = self.next_id[table.name]
        self.next_id[table.name] = first + count
        return list(range(first, first + count))

    def _update(self, spec: fmt.FileSpec, updates: list[tuple[_Stored, dict]]) -> None:
        if not updates:
            return
        table = table_of(_MODELS[spec.name])
        groups: dict[tuple, list[dict]] = {}
        events = []
        for stored, changed in updates:
            after = _attributes(spec.name, changed, self.refs)
            before = _attributes(spec.name, {k: stored.values[k] for k in changed}, self.refs)
            groups.setdefault(tuple(sorted(after)), []).append(
                {"_id": stored.id, "_version": stored.version, "version": stored.version + 1}
                | after
            )
            events.append(
                (
                    "update",
                    spec.entity,
                    stored.id,
                    {k: _plain(v) for k, v in before.items()},
                    {k: _plain(v) for k, v in after.items()},
                )
            )
        statement = table.update().where(
            table.c.id == bindparam("_id"), table.c.version == bindparam("_version")
        )
        for params in groups.values():
            result = dml_result(db.session.execute(statement, params))
            if result.supports_sane_multi_rowcount() and result.rowcount != len(params):
                raise ServiceError(gettext(CHANGED_MEANWHILE, file=spec.name))
        audit.record_many(self.actor, events)


def plan_import(files: ImportFiles) -> ImportPlan:
    """Read and check interchange files (CSV bytes by name, or `(sources, problems)`) against
    each other and the database; write nothing."""
    sources = files if isinstance(files, tuple) else csv_sources(files)
    plan = _Import(*sources).run()
    plan._sources = sources
    return plan


def import_files(
    actor: audit.Actor, files: ImportFiles, progress=None, audit_each: bool | None = None
) -> ImportPlan:
    """Check and write the files in one pass, in the current transaction (flushes, never
    commits). When the plan is not ok something may have been written: roll back.
    `progress(file, rows)` is called after every batch; `audit_each` (default: the setting
    IMPORT_AUDIT_EACH_RECORD) gives every created record an audit event of its own."""
    sources = files if isinstance(files, tuple) else csv_sources(files)
    logger.info("import started by %s: %s", actor.email or actor.source, ", ".join(sources[0]))
    try:
        found, problems = sources
        plan = _Import(found, problems, actor=actor, progress=progress, audit_each=audit_each).run()
    except Exception:
        logger.exception("import failed")
        raise
    plan._sources = sources
    if plan.ok:
        logger.info(
            "import applied in %.1f s: %s",
            plan.seconds,
            ", ".join(f"{name} +{c.create} ~{c.update}" for name, c in plan.counts.items()),
        )
    else:
        logger.warning("import refused: %s problems; nothing is written", len(plan.problems))
    return plan


def apply_import(
    actor: audit.Actor, plan: ImportPlan, audit_each: bool | None = None
) -> ImportPlan:
    """Write a checked plan in the current transaction (flushes, never commits): its files are
    read and checked again as they are written. Returns the applied plan; raises ServiceError
    when the plan (or the check now) has problems."""
    if not plan.ok or plan._sources is None or plan.applied:
        raise ServiceError(gettext(NOT_PLANNED))
    applied = import_files(actor, plan._sources, audit_each=audit_each)
    if not applied.ok:
        raise ServiceError(gettext(NOT_PLANNED))
    plan.__dict__.update(applied.__dict__)
    return plan


# --- export -------------------------------------------------------------------------------


def export_rows():
    """(spec, rows in interchange terms ordered by key) for every file, in DESIGN's order.
    The rows are an iterator read from the database as they are written (a region's 400,000
    holdings never sit in memory together): consume each before asking for the next file."""
    for spec in fmt.FILES:
        yield spec, _ordered_rows(spec)


def _ordered_rows(spec: fmt.FileSpec) -> Iterator[dict]:
    """Every record of one file, ordered by its key columns in code-point order (the same on
    every database: SQLite's BINARY collation, PostgreSQL's "C"), streamed in batches."""
    columns = _RECORD_COLUMNS[spec.name][0][1:]
    names = spec.column_names
    collation = "C" if db.engine.dialect.name == "postgresql" else "BINARY"
    order = [columns[names.index(key)].collate(collation) for key in spec.key]
    query = records_query(spec.name).order_by(*order).execution_options(yield_per=BATCH)
    for row in db.session.execute(query):
        yield dict(zip(names, row[1:], strict=True))


def counted(
    label: str, rows: Iterator[dict], progress: Callable[[str, int], None] | None
) -> Iterator[dict]:
    """`rows` unchanged, telling `progress` every `PROGRESS_EVERY` rows how far it got."""
    if progress is None:
        yield from rows
        return
    count = 0
    progress(label, count)
    for row in rows:
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(label, count)
        yield row
    progress(label, count)


def export_files() -> dict[str, bytes]:
    """Every interchange file with every column, rows ordered by key (deterministic)."""
    return {spec.name: fmt.write_file(spec, rows) for spec, rows in export_rows()}


# --- folders ------------------------------------------------------------------------------


def read_folder(path) -> dict[str, bytes]:
    """The CSV files of a folder (not its sub-folders) by file name; other files are ignored."""
    folder = Path(path)
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(folder.iterdir())
        if entry.is_file() and entry.suffix.lower() == ".csv"
    }


def conflicting_files(path, files: dict[str, bytes]) -> list[str]:
    """Names of files in `path` that exist with other contents than `files` would write."""
    folder = Path(path)
    return [
        name
        for name, data in sorted(files.items())
        if (folder / name).exists() and (folder / name).read_bytes() != data
    ]


def write_folder(path, files: dict[str, bytes]) -> None:
    """Write the files into `path` (created if needed); each file is replaced atomically."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        # A temporary name next to the target (same file system), opened like any new file so
        # the usual permissions (umask) apply; then swapped in at once.
        temporary = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            with open(temporary, "xb") as out:
                out.write(data)
            os.replace(temporary, folder / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
