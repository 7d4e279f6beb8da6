"""Exports prepared in the background: the whole registry as a zip of CSV files or as one
Excel workbook, written to a file by a thread of the worker that received the request, then
downloaded by the user who asked for it.

Why: at region scale (50,000 people, 400,000 holdings) the workbook takes about half a minute
to write, close to a server's request timeout (`REGISTRY_WORKER_TIMEOUT`, 60 s; a proxy may
allow less). The page asks for an export (POST), waits a few seconds (`TRANSFER_EXPORT_WAIT`)
and, when it is ready by then, sends it straight away; otherwise the browser follows a status
page that refreshes itself until the download link appears. The job writes its state to
`status.json` with a heartbeat, like the background import (`transfer_jobs`), so an export
whose worker died is reported as interrupted and may be asked for again.

Each export is a folder `<root>/<token>/` holding `meta.json` (who asked, which format, when),
`status.json` and the file; only the user who asked may see or download it, and it is removed
after `TRANSFER_EXPORT_LIFETIME`.
"""

import json
import logging
import re
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app

from registry.audit.services import provenance
from registry.core import tenancy
from registry.core.database import read_one_snapshot
from registry.core.extensions import db
from registry.core.provenance import README_NAME
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import interchange, workbook
from registry.transfer.web.jobs import DONE, FAILED, RUNNING, current_status, write_status

logger = logging.getLogger(__name__)

FORMATS = {"zip": "application/zip", "xlsx": workbook.MEDIA_TYPE}
DEFAULT_LIFETIME = timedelta(hours=1)
DEFAULT_WAIT = 5.0  # seconds the request waits before it shows the status page instead
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_threads: dict[str, threading.Thread] = {}


def root() -> Path:
    folder = current_app.config.get("TRANSFER_EXPORT_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "exports" / "transfer"


def lifetime() -> timedelta:
    return current_app.config.get("TRANSFER_EXPORT_LIFETIME") or DEFAULT_LIFETIME


def wait_seconds() -> float | None:
    """How long the request waits for the export (None: until it is written, as in tests)."""
    return current_app.config.get("TRANSFER_EXPORT_WAIT", DEFAULT_WAIT)


def file_name(kind: str) -> str:
    return f"export.{kind}"


def write_zip(target, made_by: str | None, progress: Callable[[str, int], None] | None = None):
    """Every interchange file into the zip `target` (a path or a binary file), with a README
    that says what state it was made at; the rows stream from the database."""
    stamp = provenance.stamp("interchange export", made_by=made_by)
    names = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for spec, rows in interchange.export_rows():
            archive.writestr(
                spec.name, fmt.write_file(spec, interchange.counted(spec.name, rows, progress))
            )
            names.append(spec.name)
        archive.writestr(
            README_NAME,
            provenance.readme(
                stamp,
                [(name, "interchange format, DESIGN.md") for name in names],
                "Import these files again on the web (Import and export: upload this zip) or\n"
                "with `registry import DIR` after unzipping; this README.txt is skipped.",
            ),
        )


def _folder(token: str | None) -> Path | None:
    return root() / token if token and _TOKEN.match(token) else None


def _meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None


def find(token: str | None, user_id: int) -> tuple[Path, dict] | None:
    """The folder and meta of this user's export `token`, or None (unknown, someone else's,
    expired)."""
    folder = _folder(token)
    meta = None if folder is None else _meta(folder)
    if meta is None or meta.get("user_id") != user_id or _expired(meta, time.time()):
        return None
    return folder, meta  # type: ignore[return-value]


def _expired(meta: dict | None, now: float) -> bool:
    return meta is None or now - meta.get("created", 0) > lifetime().total_seconds()


def running_export(user_id: int, kind: str) -> str | None:
    """The token of an export of `kind` this user asked for that is still being written (a
    second click follows it instead of starting another)."""
    folder = root()
    if not folder.is_dir():
        return None
    for entry in folder.iterdir():
        meta = _meta(entry)
        if (
            meta
            and meta.get("user_id") == user_id
            and meta.get("format") == kind
            and not _expired(meta, time.time())
            and current_status(entry)["state"] == RUNNING
        ):
            return entry.name
    return None


def sweep_expired(now: float | None = None) -> None:
    """Remove every export older than its lifetime."""
    folder, now = root(), time.time() if now is None else now
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.is_dir() and _expired(_meta(entry), now) and entry.name not in _threads:
            shutil.rmtree(entry, ignore_errors=True)


def start(app, user_id: int, made_by: str | None, kind: str) -> str:
    """Begin writing an export of `kind` ("zip" or "xlsx") for this user; its token."""
    if kind not in FORMATS:
        raise ValueError(kind)
    sweep_expired()
    token = secrets.token_urlsafe(32)
    folder = root() / token
    folder.mkdir(parents=True, mode=0o700)
    (folder / "meta.json").write_text(
        json.dumps({"user_id": user_id, "created": time.time(), "format": kind})
    )
    write_status(folder, {"state": RUNNING, "beat": time.time(), "file": None, "rows": 0})
    # The thread acts in the organisation of the request that started it.
    thread = threading.Thread(
        target=tenancy.run_in(tenancy.current(), _run),
        args=(app, folder, made_by, kind),
        name=f"export-{token[:8]}",
        daemon=True,
    )
    _threads[token] = thread
    thread.start()
    return token


def wait(token: str, timeout: float | None) -> None:
    """Wait up to `timeout` seconds (None: until done) for the export `token` of this process."""
    thread = _threads.get(token)
    if thread is not None:
        thread.join(timeout)
        if not thread.is_alive():
            _threads.pop(token, None)


def wait_for_exports() -> None:
    """Wait until every export started by this process is written (tests, shutdown)."""
    for token in list(_threads):
        wait(token, None)


def _run(app, folder: Path, made_by: str | None, kind: str) -> None:
    with app.app_context():
        started = time.perf_counter()

        def progress(label: str, rows: int) -> None:
            write_status(
                folder, {"state": RUNNING, "beat": time.time(), "file": label, "rows": rows}
            )

        target = folder / f"{file_name(kind)}.part"
        try:
            read_one_snapshot(db.session)
            if kind == "xlsx":
                workbook.write_workbook(target, progress=progress)
            else:
                write_zip(target, made_by, progress=progress)
            target.replace(folder / file_name(kind))
            seconds = time.perf_counter() - started
            size = (folder / file_name(kind)).stat().st_size
            write_status(
                folder, {"state": DONE, "beat": time.time(), "seconds": seconds, "size": size}
            )
            logger.info("export (%s) written in %.1f s, %d bytes", kind, seconds, size)
        except Exception:
            logger.exception("background export (%s) failed", kind)
            target.unlink(missing_ok=True)
            write_status(folder, {"state": FAILED, "beat": time.time()})
        finally:
            db.session.rollback()
            db.session.remove()
