"""Import and export of the interchange files: the API the CLI and the web upload share.

    plan = plan_import(files)        # reads and checks everything; writes nothing
    if plan.ok:
        apply_import(actor, plan)    # writes in the caller's transaction (flush, no commit)
    files = export_files()           # every file, every column, rows ordered by key

`plan_import` checks the files against each other and against the database: references may
point to rows in the database or in the same import; frameworks, providers and org units are
created by name (an org unit by its path). It loads what it compares in a fixed number of
queries per file (large tables in chunks of keys), never one query per row. `apply_import`
writes the plan in DESIGN's file order, with one audit event per created or changed record and
one summary event (entity "import"); unchanged rows are left alone.

Round trips are lossless: `export_files()` → `plan_import` + `apply_import` into an empty
database → `export_files()` gives the same bytes. Formula neutralisation is described in
`registry.domain.interchange`.
"""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.domain import interchange as fmt
from registry.extensions import db
from registry.models import (
    Assignment,
    Competence,
    Framework,
    Holding,
    OrgUnit,
    Person,
    Provider,
    Requirement,
    Service,
)
from registry.services import audit
from registry.services.errors import ServiceError

CHUNK = 500  # keys per IN (…) query: well below every backend's parameter limit

UNKNOWN_FILE = fmt.N_("Unknown file %(file)s; the interchange files are: %(files)s.")
UNKNOWN_REFERENCE = fmt.N_(
    "Unknown %(column)s %(value)s: it is neither in the registry nor in %(file)s."
)
NOT_PLANNED = fmt.N_("This import has problems and cannot be applied.")


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


@dataclass
class _Ops:
    creates: list[dict] = field(default_factory=list)  # full interchange values
    updates: list[tuple[int, dict]] = field(default_factory=list)  # (id, changed values)


@dataclass
class ImportPlan:
    """What an import would do, or did: problems, counts per file, references it creates."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    # Frameworks, providers and org units (paths) the import creates, by entity.
    new_references: dict[str, list[str]] = field(default_factory=dict)
    applied: bool = False
    _ops: dict[str, _Ops] = field(default_factory=dict, repr=False)
    _refs: "_References | None" = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

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


def _query(spec_name: str):
    """A select of (id, *columns) in interchange terms, for one file."""
    if spec_name == "competences.csv":
        return select(
            Competence.id,
            Competence.code,
            Competence.name,
            Framework.name,
            Competence.area,
            Competence.description,
            Competence.retired,
        ).outerjoin(Framework, Competence.framework_id == Framework.id)
    if spec_name == "people.csv":
        return select(
            Person.id,
            Person.employee_number,
            Person.name,
            Person.email,
            OrgUnit.path,
            Person.job_title,
            Person.start_date,
            Person.leave_date,
        ).outerjoin(OrgUnit, Person.org_unit_id == OrgUnit.id)
    if spec_name == "services.csv":
        return (
            select(
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
            )
            .outerjoin(Provider, Service.provider_id == Provider.id)
            .outerjoin(_owner, Service.owner_id == _owner.id)
        )
    if spec_name == "requirements.csv":
        return (
            select(
                Requirement.id,
                Service.code,
                Competence.code,
                Requirement.required_level,
                Requirement.min_holders,
                Requirement.rationale,
            )
            .join(Service, Requirement.service_id == Service.id)
            .join(Competence, Requirement.competence_id == Competence.id)
        )
    if spec_name == "assignments.csv":
        return (
            select(
                Assignment.id,
                Person.employee_number,
                Service.code,
                Assignment.role,
                Assignment.start_on,
                Assignment.end_on,
            )
            .join(Person, Assignment.person_id == Person.id)
            .join(Service, Assignment.service_id == Service.id)
        )
    return (
        select(
            Holding.id,
            Person.employee_number,
            Competence.code,
            Holding.level,
            Holding.assessed_on,
            Holding.expires_on,
            Holding.assessed_by,
            Holding.evidence,
        )
        .join(Person, Holding.person_id == Person.id)
        .join(Competence, Holding.competence_id == Competence.id)
    )


# Large tables are read only for the people a file names, in chunks.
_FILTER = {"assignments.csv": Person.employee_number, "holdings.csv": Person.employee_number}


def _records(spec: fmt.FileSpec, first_keys=None) -> dict[tuple, tuple[int, dict]]:
    """key → (id, {column: value}) of the stored records, in interchange terms."""
    names = spec.column_names
    query = _query(spec.name)
    if first_keys is None or spec.name not in _FILTER:
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
            values = dict(zip(names, row[1:], strict=True))
            found[tuple(values[k] for k in spec.key)] = (row[0], values)
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


def _planned_keys(parsed: dict[str, fmt.ParsedFile]) -> dict[str, set[str]]:
    """Keys each file brings, for references to rows of the same import."""
    keys = {"person": set(), "service": set(), "competence": set()}
    for name, kind in (
        ("people.csv", "person"),
        ("services.csv", "service"),
        ("competences.csv", "competence"),
    ):
        if name in parsed:
            keys[kind] = {key[0] for key in parsed[name].keys}
    return keys


_SOURCE_FILE = {"person": "people.csv", "service": "services.csv", "competence": "competences.csv"}


def _resolve(
    spec: fmt.FileSpec,
    row: fmt.Row,
    refs: _References,
    planned: dict,
    problems: list[Problem],
    new_refs: dict[str, dict[str, None]],
) -> dict | None:
    """The row's values with references resolved to their stored spelling, or None when a
    reference is unknown (reported)."""
    values, ok = dict(row.values), True
    for column in spec.columns:
        kind = column.reference
        if kind is None or column.name not in values:
            continue
        if spec.name == "people.csv" and column.name == "employee_number":
            continue
        value = values[column.name]
        if value is None:
            continue
        if kind in _CREATED_BY_NAME:
            value = refs.canonical(kind, value)
            values[column.name] = value
            if value not in getattr(refs, kind):
                new_refs[kind][value] = None
        elif value not in getattr(refs, kind) and value not in planned[kind]:
            problems.append(
                Problem(
                    spec.name,
                    row.line,
                    UNKNOWN_REFERENCE,
                    {"column": column.name, "value": value, "file": _SOURCE_FILE[kind]},
                )
            )
            ok = False
    return values if ok else None


def _plan_file(
    plan: ImportPlan,
    spec: fmt.FileSpec,
    parsed: fmt.ParsedFile,
    refs: _References,
    planned: dict,
    new_refs: dict,
) -> None:
    first_keys = {row.key[0] for row in parsed.rows}
    stored = _records(spec, first_keys)
    ops, create, update, unchanged = _Ops(), 0, 0, 0
    for row in parsed.rows:
        values = _resolve(spec, row, refs, planned, plan.problems, new_refs)
        if values is None:
            continue
        existing = stored.get(row.key)
        if existing is None:
            merged = {c.name: c.default for c in spec.columns} | values
            missing = [c.name for c in spec.columns if c.required and c.name not in values]
            for name in missing:
                plan.problems.append(
                    Problem(
                        spec.name,
                        row.line,
                        fmt.REQUIRED_FOR_NEW,
                        {"column": name, "key": fmt.key_text(row.key)},
                    )
                )
        else:
            merged, missing = existing[1] | values, []
        order = fmt.check_order(spec, merged)
        for message, params in order:
            plan.problems.append(Problem(spec.name, row.line, message, params))
        if missing or order:
            continue
        if existing is None:
            ops.creates.append(merged)
            create += 1
            continue
        changed = {k: v for k, v in values.items() if existing[1].get(k) != v}
        if changed:
            ops.updates.append((existing[0], changed))
            update += 1
        else:
            unchanged += 1
    plan._ops[spec.name] = ops
    plan.counts[spec.name] = Counts(create, update, unchanged)


def plan_import(files: dict[str, bytes]) -> ImportPlan:
    """Read and check interchange files against each other and the database; write nothing."""
    plan = ImportPlan()
    for name in sorted(files):
        if name not in fmt.SPECS:
            plan.problems.append(
                Problem(name, None, UNKNOWN_FILE, {"file": name, "files": ", ".join(fmt.SPECS)})
            )
    parsed = {
        spec.name: fmt.parse_file(spec, files[spec.name])
        for spec in fmt.FILES
        if spec.name in files
    }
    for result in parsed.values():
        plan.problems.extend(Problem.of(p) for p in result.problems)
    refs = _References.load()
    planned = _planned_keys(parsed)
    new_refs: dict[str, dict[str, None]] = {kind: {} for kind in _CREATED_BY_NAME}
    for spec in fmt.FILES:
        if spec.name in parsed:
            _plan_file(plan, spec, parsed[spec.name], refs, planned, new_refs)
    plan.new_references = {
        kind: sorted(_with_parents(kind, names, refs)) for kind, names in new_refs.items() if names
    }
    order = {spec.name: i for i, spec in enumerate(fmt.FILES)}
    plan.problems.sort(key=lambda p: (order.get(p.file, -1), p.file, p.line or 0))
    plan._refs = refs
    return plan


def _with_parents(kind: str, names, refs: _References) -> set[str]:
    """For org units, every level of each new path that does not exist yet."""
    if kind != "org_unit":
        return set(names)
    paths = set()
    for path in names:
        parts = path.split(fmt.PATH_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            prefix = fmt.PATH_SEPARATOR.join(parts[:depth])
            if prefix not in refs.org_unit:
                paths.add(prefix)
    return paths


# --- applying a plan ----------------------------------------------------------------------

_MODELS = {
    "competences.csv": Competence,
    "people.csv": Person,
    "services.csv": Service,
    "requirements.csv": Requirement,
    "assignments.csv": Assignment,
    "holdings.csv": Holding,
}
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


def _create_references(actor: audit.Actor, kind: str, names: list[str], refs: _References) -> None:
    """Create the frameworks, providers or org units the import names for the first time."""
    created = []
    if kind == "framework":
        created = [Framework(key=_new_framework_key(n, refs), name=n) for n in names]
    elif kind == "provider":
        created = [Provider(name=n) for n in names]
    else:
        units: dict[str, OrgUnit] = {}
        for path in sorted(names, key=lambda p: p.count(fmt.PATH_SEPARATOR)):
            parent_path, _, name = path.rpartition(fmt.PATH_SEPARATOR)
            unit = OrgUnit(name=name, path=path)
            if parent_path:
                if parent_path in units:
                    unit.parent = units[parent_path]
                else:
                    unit.parent_id = refs.org_unit[parent_path]
            units[path] = unit
        created = list(units.values())
    db.session.add_all(created)
    db.session.flush()
    table = getattr(refs, kind)
    for record in created:
        table[record.path if kind == "org_unit" else record.name] = record.id
        audit.record(actor, "create", kind, record.id, after=audit.snapshot(record))


def _load_for_update(model, ids: list[int]) -> dict[int, object]:
    found = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        found.update(
            (r.id, r) for r in db.session.scalars(select(model).where(model.id.in_(chunk)))
        )
    return found


_REFERENCES_BEFORE = {
    "competences.csv": ("framework",),
    "people.csv": ("org_unit",),
    "services.csv": ("provider",),
}


def apply_import(actor: audit.Actor, plan: ImportPlan) -> ImportPlan:
    """Write a checked plan in the current transaction (flushes, never commits): one audit
    event per created or changed record, then a summary event. Returns the plan, applied."""
    if not plan.ok or plan._refs is None or plan.applied:
        raise ServiceError(gettext(NOT_PLANNED))
    refs = plan._refs
    for spec in fmt.FILES:
        for kind in _REFERENCES_BEFORE.get(spec.name, ()):
            if plan.new_references.get(kind):
                _create_references(actor, kind, plan.new_references[kind], refs)
        ops = plan._ops.get(spec.name)
        if ops is None:
            continue
        model = _MODELS[spec.name]
        created = [model(**_attributes(spec.name, values, refs)) for values in ops.creates]
        db.session.add_all(created)
        records = _load_for_update(model, [record_id for record_id, _ in ops.updates])
        for record_id, changed in ops.updates:
            record = records[record_id]
            before = audit.snapshot(record)
            for attribute, value in _attributes(spec.name, changed, refs).items():
                setattr(record, attribute, value)
            old, new = audit.changes(before, audit.snapshot(record))
            audit.record(actor, "update", spec.entity, record.id, before=old, after=new)
        db.session.flush()
        for record in created:
            audit.record(actor, "create", spec.entity, record.id, after=audit.snapshot(record))
        if spec.name in _PROVIDES:
            kind = _PROVIDES[spec.name]
            table = getattr(refs, kind)
            attribute = spec.key[0]
            for record in created:
                table[getattr(record, attribute)] = record.id
    audit.record(actor, "import", "import", after=plan.summary())
    db.session.flush()
    plan.applied = True
    return plan


# --- export -------------------------------------------------------------------------------


def export_files() -> dict[str, bytes]:
    """Every interchange file with every column, rows ordered by key (deterministic)."""
    files = {}
    for spec in fmt.FILES:
        records = _records(spec)
        rows = [records[key][1] for key in sorted(records, key=_sort_key)]
        files[spec.name] = fmt.write_file(spec, rows)
    return files


def _sort_key(key: tuple) -> tuple:
    return tuple("" if part is None else str(part) for part in key)


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
