"""Import and export of the interchange files in the browser.

Upload (several CSV files or one zip) → the files are kept server-side under a random token,
bound to the user, for a short while → a dry-run preview per file (create / change /
unchanged, every problem as `file:line: message`) → "Apply" plans again against the database as
it is then, and applies everything in one transaction or shows the new problems and writes
nothing. The planning and writing are `registry.services.interchange`, the same code as
`registry import`.
"""

import io
import json
import re
import secrets
import shutil
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from registry.domain import interchange as fmt
from registry.domain.permissions import Permission
from registry.domain.provenance import README_NAME
from registry.extensions import db
from registry.services import audit, interchange, provenance
from registry.services.errors import ServiceError
from registry.web.decorators import permission_required
from registry.web.forms.transfer import ApplyForm, UploadForm

bp = Blueprint("transfer", __name__, url_prefix="/transfer")

# The interchange format of DESIGN.md: files in import order, key column first.
FORMAT = tuple((spec.name, spec.column_names) for spec in fmt.FILES)
FILE_NAMES = tuple(name for name, _columns in FORMAT)
DEFAULT_LIFETIME = timedelta(minutes=30)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


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


def _read_zip(data: bytes, shown: str, limit: int) -> dict[str, bytes]:
    """The interchange files in a zip; folders inside it are ignored, other files refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError(_("%(name)s is not a valid zip file.", name=shown)) from None
    files: dict[str, bytes] = {}
    with archive:
        entries = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not _file_name(info.filename).startswith(".")
        ]
        if sum(info.file_size for info in entries) > limit:
            raise UploadError(
                _("The files in %(name)s are larger than allowed when unpacked.", name=shown)
            )
        for info in entries:
            name = _file_name(info.filename)
            if name == README_NAME.lower():
                continue  # the dated README.txt of our own export (services/provenance.py)
            _check_name(name, info.filename)
            if name in files:
                raise UploadError(
                    _("%(name)s occurs more than once in %(zip)s.", name=name, zip=shown)
                )
            with archive.open(info) as handle:
                content = handle.read(limit + 1)  # the sizes in a zip's directory can lie
            if len(content) > limit:
                raise UploadError(
                    _("The files in %(name)s are larger than allowed when unpacked.", name=shown)
                )
            files[name] = content
    if not files:
        raise UploadError(_("%(name)s holds none of the interchange files.", name=shown))
    return files


def read_upload(storages) -> dict[str, bytes]:
    """The uploaded files by name: several CSV files, or one zip holding them."""
    uploads = [s for s in storages if s and s.filename]
    if not uploads:
        raise UploadError(_("Choose one or more CSV files, or one zip file."))
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 32 * 1024 * 1024
    zips = [s for s in uploads if _file_name(s.filename).endswith(".zip")]
    if zips:
        if len(uploads) > 1:
            raise UploadError(
                _("Upload either CSV files or one zip file, not both or several zip files.")
            )
        return _read_zip(zips[0].read(), zips[0].filename, limit)
    files: dict[str, bytes] = {}
    for storage in uploads:
        name = _file_name(storage.filename)
        _check_name(name, storage.filename)
        if name in files:
            raise UploadError(_("%(name)s was chosen more than once.", name=name))
        files[name] = storage.read()
    return files


# --- keeping the upload between preview and apply ---------------------------------------------


def _root() -> Path:
    folder = current_app.config.get("TRANSFER_UPLOAD_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads" / "transfer"


def _lifetime() -> timedelta:
    return current_app.config.get("TRANSFER_UPLOAD_LIFETIME", DEFAULT_LIFETIME)


def store_upload(user_id: int, files: dict[str, bytes]) -> str:
    """Keep the files under a new random token, readable only by this user; returns it."""
    token = secrets.token_urlsafe(32)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    (folder / "meta.json").write_text(
        json.dumps({"user_id": user_id, "created": time.time(), "names": sorted(files)})
    )
    return token


def _meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None


def _expired(meta: dict | None, now: float) -> bool:
    return meta is None or now - meta.get("created", 0) > _lifetime().total_seconds()


def _read_folder(folder: Path, user_id: int) -> dict[str, bytes] | None:
    meta = _meta(folder)
    if meta is None or meta.get("user_id") != user_id or _expired(meta, time.time()):
        return None
    try:
        return {name: (folder / name).read_bytes() for name in meta["names"] if name in FILE_NAMES}
    except OSError:
        return None


def load_upload(token: str | None, user_id: int) -> dict[str, bytes] | None:
    """The files kept under `token` for this user, or None (unknown, someone else's, expired)."""
    if not token or not _TOKEN.match(token):
        return None
    return _read_folder(_root() / token, user_id)


def claim_upload(token: str | None, user_id: int) -> dict[str, bytes] | None:
    """Take the files kept under `token` out of reach of a second request (a double click
    applies once): the folder is renamed atomically, then read. Discard it afterwards."""
    if not token or not _TOKEN.match(token) or load_upload(token, user_id) is None:
        return None
    claimed = _root() / f"{token}.applying"
    try:
        (_root() / token).rename(claimed)
    except OSError:
        return None
    return _read_folder(claimed, user_id)


def discard_upload(token: str | None) -> None:
    """Remove the kept files of `token`, claimed or not."""
    if token and _TOKEN.match(token):
        for name in (token, f"{token}.applying"):
            shutil.rmtree(_root() / name, ignore_errors=True)


def sweep_expired(now: float | None = None) -> None:
    """Remove every kept upload older than its lifetime."""
    root, now = _root(), time.time() if now is None else now
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and _expired(_meta(folder), now):
            shutil.rmtree(folder, ignore_errors=True)


# --- views ---------------------------------------------------------------------------------------


def _index(form: UploadForm, status: int = 200):
    return render_template(
        "transfer/index.html",
        form=form,
        format=FORMAT,
        lifetime=int(_lifetime().total_seconds() // 60),
    ), status


@bp.route("/")
@permission_required(Permission.READ)
def index():
    """The format explained, the export download, and (for editors) the upload form."""
    return _index(UploadForm())


@bp.route("/upload", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def upload():
    """Check the uploaded files; with problems show them at once (keeping nothing), else keep
    the files and show the preview."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            files = read_upload(request.files.getlist(form.files.name))
        except UploadError as error:
            form.files.errors.append(str(error))
        else:
            sweep_expired()
            plan = interchange.plan_import(files)
            db.session.rollback()  # planning writes nothing; make sure of it
            if not plan.ok:  # nothing to apply: show the problems, keep nothing
                return _preview(plan, None)
            token = store_upload(current_user.id, files)
            return redirect(url_for("transfer.preview", token=token))
    return _index(form)


def _preview(plan, token: str | None, replanned: bool = False):
    return render_template(
        "transfer/preview.html",
        plan=plan,
        format=FORMAT,
        apply_form=ApplyForm(token=token),
        replanned=replanned,
    )


@bp.route("/preview/<token>")
@permission_required(Permission.EDIT_REGISTRY)
def preview(token: str):
    """The dry run: per file what would be created, changed or left unchanged; all problems."""
    files = load_upload(token, current_user.id)
    if files is None:
        flash(
            _(
                "This upload is no longer available (it expired or was already applied). "
                "Upload the files again."
            ),
            "warning",
        )
        return redirect(url_for("transfer.index"))
    plan = interchange.plan_import(files)
    db.session.rollback()  # planning writes nothing; make sure of it
    return _preview(plan, token if plan.ok else None)


@bp.route("/apply", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def apply():
    """Plan again against the current database and apply it all in one transaction, or show
    the problems found now and write nothing."""
    form = ApplyForm()
    token = form.token.data if form.validate_on_submit() else None
    files = claim_upload(token, current_user.id)
    if files is None:
        flash(
            _(
                "This upload is no longer available (it expired or was already applied). "
                "Upload the files again."
            ),
            "warning",
        )
        return redirect(url_for("transfer.index"))
    plan = interchange.plan_import(files)
    if plan.ok:
        try:
            interchange.apply_import(audit.Actor.of(current_user, request.remote_addr), plan)
        except ServiceError as error:
            db.session.rollback()
            flash(_("Nothing was imported: %(error)s", error=str(error)), "error")
            return _preview(plan, None, replanned=True)
        db.session.commit()
        discard_upload(token)
        sweep_expired()
        totals = [
            sum(getattr(c, kind) for c in plan.counts.values()) for kind in ("create", "update")
        ]
        flash(
            _(
                "The import has been applied. Created: %(created)s, changed: %(changed)s.",
                created=totals[0],
                changed=totals[1],
            ),
            "success",
        )
        return redirect(url_for("transfer.index"))
    db.session.rollback()
    discard_upload(token)
    return _preview(plan, None, replanned=True)


@bp.route("/export.zip")
@permission_required(Permission.READ)
def export():
    """Every record in the interchange format, as one zip of CSV files."""
    files = interchange.export_files()
    stamp = provenance.stamp("interchange export", made_by=current_user.email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr(
            README_NAME,
            provenance.readme(
                stamp,
                [(name, "interchange format, DESIGN.md") for name in files],
                "Import these files again on the web (Import and export: upload this zip) or\n"
                "with `registry import DIR` after unzipping; this README.txt is skipped.",
            ),
        )
    buffer.seek(0)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"kennisborg-export-{stamp}.zip",
    )
