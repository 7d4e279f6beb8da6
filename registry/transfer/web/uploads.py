"""An upload between its preview and "apply": reading what was sent (CSV files, a zip, a
workbook; names, sizes and zip entries checked), keeping it server-side under a random token
for the user who sent it (TRANSFER_UPLOAD_FOLDER, TRANSFER_UPLOAD_LIFETIME), claiming it once
for apply, and what the import reads from it. Shared by the import pages and the background
job."""

import json
import re
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import gettext as _

from registry.core.provenance import README_NAME
from registry.transfer.rules import archives
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import workbook

WORKBOOK = "workbook.xlsx"  # an uploaded Excel workbook is kept under this name


def unpacked_limit() -> int:
    """How many bytes an upload may hold once unpacked (a zip, or a workbook's parts)."""
    return (
        current_app.config.get("TRANSFER_UNPACKED_LIMIT")
        or current_app.config.get("MAX_CONTENT_LENGTH")
        or 32 * 1024 * 1024
    )


def import_sources(files: dict[str, bytes]):
    """What the interchange service reads: the CSV files, or the sheets of the workbook."""
    if WORKBOOK in files:
        return workbook.workbook_sources(files[WORKBOOK], WORKBOOK, unpacked_limit())
    return files


FILE_NAMES = tuple(spec.name for spec in fmt.FILES)
KEPT_NAMES = (*FILE_NAMES, WORKBOOK)
DEFAULT_LIFETIME = timedelta(minutes=30)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")  # a kept upload's token


class UploadError(ValueError):
    """The upload cannot be previewed (wrong names or types, a broken zip …)."""


# --- reading the upload -------------------------------------------------------------------------


def _file_name(raw: str) -> str:
    """The bare, lower-case file name (browsers and zips may include folders)."""
    return PurePosixPath((raw or "").replace("\\", "/")).name.strip().lower()


def _check_name(name: str, shown: str) -> None:
    if name not in FILE_NAMES:
        raise UploadError(
            _(
                "%(name)s is not one of the interchange files (%(names)s).",
                name=shown,
                names=", ".join(FILE_NAMES),
            )
        )


def _archive_error(error: archives.ArchiveError) -> UploadError:
    return UploadError(_(error.message, **error.params))


def _read_zip(data: bytes, shown: str, limit: int) -> dict[str, bytes]:
    """The interchange files in a zip; folders inside it are ignored, other files refused.
    Damaged, encrypted or oddly compressed zips and lying sizes get a message (domain.archives)."""
    files: dict[str, bytes] = {}
    try:
        with archives.open_zip(data, shown) as archive:
            wanted = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and not info.filename.startswith("__MACOSX/")
                and not _file_name(info.filename).startswith(".")
                # the dated README.txt of our own export (services/provenance.py)
                and _file_name(info.filename) != README_NAME.lower()
            ]
            for info in wanted:
                _check_name(_file_name(info.filename), info.filename)
            if sum(info.file_size for info in wanted) > limit:
                raise archives.ArchiveError(archives.TOO_LARGE, name=shown)
            budget = limit
            for info in wanted:
                name = _file_name(info.filename)
                if name in files:
                    raise UploadError(
                        _("%(name)s occurs more than once in %(zip)s.", name=name, zip=shown)
                    )
                files[name] = archives.read_member(archive, info, shown, budget)
                budget -= len(files[name])
    except archives.ArchiveError as error:
        raise _archive_error(error) from None
    if not files:
        raise UploadError(_("%(name)s holds none of the interchange files.", name=shown))
    return files


def read_upload(storages) -> dict[str, bytes]:
    """The uploaded files by name: several CSV files, or one zip holding them."""
    uploads = [s for s in storages if s and s.filename]
    if not uploads:
        raise UploadError(_("Choose one or more CSV files, one zip file or one Excel workbook."))
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 32 * 1024 * 1024
    zips = [s for s in uploads if _file_name(s.filename).endswith((".zip", ".xlsx"))]
    if zips:
        if len(uploads) > 1:
            raise UploadError(
                _(
                    "Upload either CSV files, or one zip file, or one Excel workbook (.xlsx); "
                    "not several of them."
                )
            )
        data = zips[0].read(limit + 1)
        if len(data) > limit:
            raise UploadError(_("%(name)s is larger than allowed.", name=zips[0].filename))
        if _file_name(zips[0].filename).endswith(".xlsx"):
            try:
                archives.check_whole(data, zips[0].filename, unpacked_limit())
            except archives.ArchiveError as error:
                raise _archive_error(error) from None
            return {WORKBOOK: data}
        return _read_zip(data, zips[0].filename, unpacked_limit())
    files: dict[str, bytes] = {}
    for storage in uploads:
        name = _file_name(storage.filename)
        _check_name(name, storage.filename)
        if name in files:
            raise UploadError(_("%(name)s was chosen more than once.", name=name))
        files[name] = storage.read()
    return files


# --- keeping the upload between preview and apply ---------------------------------------------


def upload_root() -> Path:
    folder = current_app.config.get("TRANSFER_UPLOAD_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads" / "transfer"


def upload_lifetime() -> timedelta:
    return current_app.config.get("TRANSFER_UPLOAD_LIFETIME", DEFAULT_LIFETIME)


def store_upload(user_id: int, files: dict[str, bytes]) -> str:
    """Keep the files under a new random token, readable only by this user; returns it."""
    token = secrets.token_urlsafe(32)
    folder = upload_root() / token
    folder.mkdir(parents=True, mode=0o700)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    (folder / "meta.json").write_text(
        json.dumps({"user_id": user_id, "created": time.time(), "names": sorted(files)})
    )
    return token


def read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None


def _expired(meta: dict | None, now: float) -> bool:
    return meta is None or now - meta.get("created", 0) > upload_lifetime().total_seconds()


def _read_folder(folder: Path, user_id: int) -> dict[str, bytes] | None:
    meta = read_meta(folder)
    if meta is None or meta.get("user_id") != user_id or _expired(meta, time.time()):
        return None
    try:
        return {name: (folder / name).read_bytes() for name in meta["names"] if name in KEPT_NAMES}
    except OSError:
        return None


def load_upload(token: str | None, user_id: int) -> dict[str, bytes] | None:
    """The files kept under `token` for this user, or None (unknown, someone else's, expired)."""
    if not token or not TOKEN.match(token):
        return None
    return _read_folder(upload_root() / token, user_id)


def claim_upload(token: str | None, user_id: int) -> dict[str, bytes] | None:
    """Take the files kept under `token` out of reach of a second request (a double click
    applies once): the folder is renamed atomically, then read. Discard it afterwards."""
    if not token or not TOKEN.match(token) or load_upload(token, user_id) is None:
        return None
    claimed = upload_root() / f"{token}.applying"
    try:
        (upload_root() / token).rename(claimed)
    except OSError:
        return None
    return _read_folder(claimed, user_id)


def discard_upload(token: str | None) -> None:
    """Remove the kept files of `token`, claimed or not."""
    if token and TOKEN.match(token):
        for name in (token, f"{token}.applying"):
            shutil.rmtree(upload_root() / name, ignore_errors=True)


def sweep_expired(now: float | None = None) -> None:
    """Remove every kept upload older than its lifetime."""
    root, now = upload_root(), time.time() if now is None else now
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and _expired(read_meta(folder), now):
            shutil.rmtree(folder, ignore_errors=True)
