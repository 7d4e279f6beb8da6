"""Attestation bundles and comparisons (pure: no Flask, no database).

A bundle is a ZIP with `README.txt`, `report.csv` (the frozen gap rows, the columns of
`registry gaps`), `statement.txt` (who, when, as-of, horizon, audit head, statement) and
`manifest.sha256` in `sha256sum` format, so `sha256sum -c manifest.sha256` checks it after
unzipping. The ZIP is built deterministically (stored, fixed timestamps and permissions, fixed
order), so the same attestation always gives the same bytes, from the web and from the CLI.
"""

import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from registry.core.provenance import README_NAME, Provenance, readme

REPORT_NAME = "report.csv"
STATEMENT_NAME = "statement.txt"
MANIFEST_NAME = "manifest.sha256"
# The columns of report.csv: the gap report of DESIGN.md (`registry gaps --format csv`).
REPORT_COLUMNS = (
    "service",
    "competence",
    "required_level",
    "min_holders",
    "holders_now",
    "holders_at_horizon",
    "candidates",
    "status",
    "risk",
    "contract_ending",
)
# The figures compared between the frozen report and today's, per requirement.
COMPARED = (
    "required_level",
    "min_holders",
    "holders_now",
    "holders_at_horizon",
    "candidates",
    "status",
)
MAX_STATEMENT = 4000
# One requirement's row of a frozen report, as stored (JSON: text, numbers, booleans, null).
Record = Mapping[str, Any]
_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def N_(message: str) -> str:
    """Mark a message for translation; the layer that shows it translates it."""
    return message


def report_csv(records: Iterable[Record]) -> str:
    """report.csv: a header row, then one row per record; LF line ends, no byte-order mark."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for record in records:
        row = []
        for name in REPORT_COLUMNS:
            value = record.get(name)
            row.append(str(value).lower() if isinstance(value, bool) else value)
        writer.writerow(row)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Attested:
    """What statement.txt and the bundle are made of (the stored attestation, as plain data)."""

    id: int
    created_at: datetime
    as_of: date
    horizon: int
    statement: str
    attester: str  # "Name <email>" or the email alone
    attester_role: str | None
    audit_head: str
    report: str  # report.csv as text
    counts: dict[str, int] = field(default_factory=dict)  # status → requirements

    @property
    def provenance(self) -> Provenance:
        return Provenance(
            title=f"attestation {self.id}",
            made_at=self.created_at,
            audit_head=self.audit_head,
            as_of=self.as_of,
            horizon=self.horizon,
            made_by=self.attester,
        )


def statement_text(att: Attested) -> str:
    """statement.txt: who, when, as-of, horizon, audit head, the figures and the statement."""
    prov = att.provenance
    horizon_end = att.as_of + timedelta(days=att.horizon)  # = prov.horizon_end
    role = f" ({att.attester_role})" if att.attester_role else ""
    lines = [
        f"Kennisborg attestation {att.id}",
        "",
        f"Attested by:  {att.attester}{role}",
        f"Made at:      {prov.made_at.replace(microsecond=0).isoformat()}Z",
        f"As of:        {att.as_of.isoformat()}",
        f"Horizon:      {att.horizon} days (until {horizon_end.isoformat()})",
        f"Audit head:   {att.audit_head}",
        f"report.csv:   sha256 {sha256_hex(att.report.encode())}",
    ]
    if att.counts:
        lines.append(
            "Requirements: "
            + ", ".join(f"{count} {status}" for status, count in att.counts.items())
        )
    lines += ["", "Statement:", "", att.statement.strip(), ""]
    return "\n".join(lines)


BUNDLE_NOTES = """\
The figures in report.csv are frozen: they are the gap report of the as-of date and horizon
above, as computed when the attestation was made, at the audit head above.

Check the files after unzipping:   sha256sum -c manifest.sha256
or without unzipping:              registry attest verify BUNDLE.zip
"""


def bundle_files(att: Attested) -> dict[str, bytes]:
    """The files of the bundle, manifest last (it lists the others)."""
    files = {
        README_NAME: readme(
            att.provenance,
            [
                (REPORT_NAME, "the frozen gap report (columns as `registry gaps`)"),
                (STATEMENT_NAME, "who attested what, when, at which audit head"),
                (MANIFEST_NAME, "SHA-256 digests of the other files (sha256sum format)"),
            ],
            BUNDLE_NOTES,
        ).encode(),
        REPORT_NAME: att.report.encode(),
        STATEMENT_NAME: statement_text(att).encode(),
    }
    files[MANIFEST_NAME] = manifest(files).encode()
    return files


def manifest(files: dict[str, bytes]) -> str:
    """`sha256sum` output for `files`: `<hex>  <name>` per line, in name order."""
    return "".join(f"{sha256_hex(data)}  {name}\n" for name, data in sorted(files.items()))


def build_zip(files: dict[str, bytes], stamp: datetime) -> bytes:
    """A deterministic ZIP: entries stored (not compressed), in the given order, all with the
    timestamp `stamp` and mode 0644, so the same files always give the same bytes."""
    buffer = io.BytesIO()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, so the mode above is read as such
            archive.writestr(info, data)
    return buffer.getvalue()


def bundle(att: Attested) -> bytes:
    """The attestation bundle as ZIP bytes."""
    return build_zip(bundle_files(att), att.created_at)


# --- verification (what `registry attest verify` does, without the database) ----------------

NOT_A_ZIP = N_("%(name)s is not a ZIP file.")
NO_MANIFEST = N_("%(name)s is missing: there is nothing to check the files against.")
BAD_MANIFEST_LINE = N_("%(name)s line %(line)s is not of the form '<sha256>  <file>'.")
MISSING_FILE = N_("%(name)s is listed in the manifest but missing from the bundle.")
DIGEST_MISMATCH = N_("%(name)s does not match its SHA-256 digest in the manifest.")
DAMAGED = N_("%(name)s is damaged in the ZIP (its checksum fails): it was changed.")
UNLISTED_FILE = N_("%(name)s is in the bundle but not in the manifest.")


@dataclass(frozen=True)
class Problem:
    """One file that does not check out; `message` % `details` says why."""

    name: str
    message: str
    details: dict[str, object]

    def __str__(self) -> str:
        return self.message % self.details


MAX_MANIFEST = 1024 * 1024  # a manifest lists a few files; read no more than this


def _streamed_sha256(archive: zipfile.ZipFile, name: str) -> str:
    """The digest of a member, read in chunks (a hostile bundle may unpack to gigabytes)."""
    digest = hashlib.sha256()
    with archive.open(name) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundle(data: bytes, shown_name: str = "bundle") -> tuple[list[str], list[Problem]]:
    """Check a bundle: every file listed in manifest.sha256 is present and has that digest,
    and no other file is present. Returns (files that check out, problems)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [], [Problem(shown_name, NOT_A_ZIP, {"name": shown_name})]
    with archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        if MANIFEST_NAME not in names:
            return [], [Problem(MANIFEST_NAME, NO_MANIFEST, {"name": MANIFEST_NAME})]
        listed: dict[str, str] = {}
        problems: list[Problem] = []
        try:
            with archive.open(MANIFEST_NAME) as handle:
                text = handle.read(MAX_MANIFEST).decode("utf-8", errors="replace")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            return [], [Problem(MANIFEST_NAME, DAMAGED, {"name": MANIFEST_NAME})]
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = _MANIFEST_LINE.match(line)
            if not match:
                problems.append(
                    Problem(
                        MANIFEST_NAME, BAD_MANIFEST_LINE, {"name": MANIFEST_NAME, "line": number}
                    )
                )
                continue
            listed[match.group(2)] = match.group(1)
        good = []
        for name, digest in listed.items():
            if name not in names:
                problems.append(Problem(name, MISSING_FILE, {"name": name}))
                continue
            try:
                matches = _streamed_sha256(archive, name) == digest
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
                # A byte changed inside the ZIP itself: its own checksum (CRC) fails.
                problems.append(Problem(name, DAMAGED, {"name": name}))
                continue
            if matches:
                good.append(name)
            else:
                problems.append(Problem(name, DIGEST_MISMATCH, {"name": name}))
        for name in names:
            if name != MANIFEST_NAME and name not in listed:
                problems.append(Problem(name, UNLISTED_FILE, {"name": name}))
    return good, problems


# --- what has changed since ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How one requirement's figures differ between the frozen report and today's.

    kind: "changed", "added" (analysed today, not then) or "removed" (analysed then, not now).
    `fields` holds (name, then, now) for every compared figure that differs.
    """

    service: str
    competence: str
    kind: str
    then: Record | None
    now: Record | None
    fields: tuple[tuple[str, object, object], ...] = ()


def compare(frozen: Sequence[Record], current: Sequence[Record]) -> list[Change]:
    """Per requirement (service code, competence code): what differs, in the order of the
    frozen report, then the requirements added since."""
    now_by_key = {(r["service"], r["competence"]): r for r in current}
    then_keys: set[tuple[str, str]] = set()
    changes: list[Change] = []
    for then in frozen:
        key = (then["service"], then["competence"])
        then_keys.add(key)
        now = now_by_key.get(key)
        if now is None:
            changes.append(Change(*key, "removed", then, None))
            continue
        differs = tuple(
            (name, then.get(name), now.get(name))
            for name in COMPARED
            if then.get(name) != now.get(name)
        )
        if differs:
            changes.append(Change(*key, "changed", then, now, differs))
    for now in current:
        key = (now["service"], now["competence"])
        if key not in then_keys:
            changes.append(Change(*key, "added", None, now))
    return changes
