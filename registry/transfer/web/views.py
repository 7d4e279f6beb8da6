"""Import and export of the interchange files in the browser.

Upload (several CSV files or one zip) → the files are kept server-side under a random token,
bound to the user, for a short while → a dry-run preview per file (create / change /
unchanged, every problem as `file:line: message`) → "Apply" plans again against the database as
it is then, and applies everything in one transaction or shows the new problems and writes
nothing. The planning and writing are `registry.transfer.services.interchange`, the same code as
`registry import`.

Export: the page asks for the zip or the workbook (POST); `transfer_exports` writes it in the
background and the browser gets it at once or follows its status page. `export.zip` and
`export.xlsx` write it during the request, for scripts and direct links.

Reading and keeping an upload is `uploads`; the background import and export are `jobs` and
`exports`.
"""

import io
from datetime import UTC, datetime

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
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.services import audit
from registry.core.database import read_one_snapshot
from registry.core.decorators import permission_required
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import imports, interchange, workbook
from registry.transfer.web import exports, jobs, uploads
from registry.transfer.web.forms import ApplyForm, ExportForm, UploadForm
from registry.transfer.web.uploads import (
    UploadError,
    claim_upload,
    discard_upload,
    import_sources,
    load_upload,
    read_upload,
    store_upload,
    sweep_expired,
)

bp = Blueprint("transfer", __name__, url_prefix="/transfer")

# The interchange format of DESIGN.md: files in import order, key column first.
FORMAT = tuple((spec.name, spec.column_names) for spec in fmt.FILES)


# --- views ---------------------------------------------------------------------------------------


def _index(form: UploadForm, status: int = 200):
    return render_template(
        "transfer/index.html",
        form=form,
        format=FORMAT,
        lifetime=int(uploads.upload_lifetime().total_seconds() // 60),
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
            plan = interchange.plan_import(import_sources(files))
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
    plan = interchange.plan_import(import_sources(files))
    db.session.rollback()  # planning writes nothing; make sure of it
    return _preview(plan, token if plan.ok else None)


def release_upload(token: str) -> bool:
    """Give a claimed upload back (after a failed apply), so it can be previewed and applied
    again; True when it was claimed."""
    if not token or not uploads.TOKEN.match(token):
        return False
    try:
        (uploads.upload_root() / f"{token}.applying").rename(uploads.upload_root() / token)
    except OSError:
        return False
    return True


def _unavailable():
    flash(
        _(
            "This upload is no longer available (it expired or was already applied). "
            "Upload the files again."
        ),
        "warning",
    )
    return redirect(url_for("transfer.index"))


def _applied_message(plan) -> str:
    totals = [sum(getattr(c, kind) for c in plan.counts.values()) for kind in ("create", "update")]
    return _(
        "The import has been applied. Created: %(created)s, changed: %(changed)s.",
        created=totals[0],
        changed=totals[1],
    )


def background_threshold() -> int:
    """Uploads of at least this many bytes are applied as a background job."""
    value = current_app.config.get("TRANSFER_BACKGROUND_BYTES")
    return 2 * 1024 * 1024 if value is None else value


@bp.route("/apply", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def apply():
    """Plan again against the current database and apply it all in one transaction, or show
    the problems found now and write nothing. Large uploads are applied as a background job
    (the browser follows its progress), so no request waits longer than a server allows; a
    failure gives the upload back to try again."""
    form = ApplyForm()
    token = form.token.data if form.validate_on_submit() else None
    files = claim_upload(token, current_user.id)
    if files is None:
        return _unavailable()
    actor = audit.Actor.of(current_user, request.remote_addr)
    if sum(len(data) for data in files.values()) >= background_threshold():
        jobs.start(
            current_app._get_current_object(),
            uploads.upload_root() / f"{token}.applying",
            actor,
            files,
        )
        return redirect(url_for("transfer.status", token=token))
    try:
        plan = interchange.import_files(actor, import_sources(files))
        if plan.ok:
            db.session.commit()
            imports.finish(plan)
    except ServiceError as error:
        db.session.rollback()
        release_upload(token)
        flash(_("Nothing was imported: %(error)s", error=str(error)), "error")
        return redirect(url_for("transfer.preview", token=token))
    except Exception:
        db.session.rollback()
        release_upload(token)  # the upload stays available to try again
        raise
    if plan.ok:
        discard_upload(token)
        sweep_expired()
        flash(_applied_message(plan), "success")
        return redirect(url_for("transfer.index"))
    db.session.rollback()
    discard_upload(token)
    return _preview(plan, None, replanned=True)


@bp.route("/status/<token>")
@permission_required(Permission.EDIT_REGISTRY)
def status(token: str):
    """The progress of an import applied in the background, then its outcome."""
    if not uploads.TOKEN.match(token or ""):
        return _unavailable()
    folder = uploads.upload_root() / f"{token}.applying"
    meta = uploads.read_meta(folder)
    if meta is None or meta.get("user_id") != current_user.id:
        return _unavailable()
    state = jobs.current_status(folder)
    if state["state"] == jobs.FAILED:
        release_upload(token)
        flash(
            _(
                "The import was interrupted and nothing was written. The upload is still "
                "available: check it and apply it again."
            ),
            "error",
        )
        return redirect(url_for("transfer.preview", token=token))
    if state["state"] == jobs.DONE:
        plan = jobs.plan_of(state)
        discard_upload(token)
        if plan.ok:
            flash(_applied_message(plan), "success")
            return redirect(url_for("transfer.index"))
        return _preview(plan, None, replanned=True)
    return render_template("transfer/status.html", state=state, token=token)


# --- exports -------------------------------------------------------------------------------------


def _export_unavailable():
    flash(
        _("This export is no longer available (it expired). Ask for a new one."),
        "warning",
    )
    return redirect(url_for("transfer.index", _anchor="export"))


def _download_name(kind: str, created: float | None = None) -> str:
    made = datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC)
    return f"kennisborg-export-{made:%Y%m%d}.{kind}"


@bp.route("/exports", methods=["POST"])
@permission_required(Permission.READ)
def export_start():
    """Prepare an export of every record (zip of CSV files or Excel workbook) in the
    background; when it is written within a few seconds it is sent at once, otherwise the
    browser follows its status page. A second click on the same format follows the export
    already being written."""
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("Choose the zip file or the Excel workbook to export."), "error")
        return redirect(url_for("transfer.index", _anchor="export"), code=303)
    kind = form.format.data
    token = exports.running_export(current_user.id, kind) or exports.start(
        current_app._get_current_object(), current_user.id, current_user.email, kind
    )
    exports.wait(token, exports.wait_seconds())
    found = exports.find(token, current_user.id)
    if found and jobs.current_status(found[0])["state"] == exports.DONE:
        return redirect(url_for("transfer.export_download", token=token), code=303)
    return redirect(url_for("transfer.export_status", token=token), code=303)


@bp.route("/exports/<token>")
@permission_required(Permission.READ)
def export_status(token: str):
    """How far the export has got; its download link once it is written."""
    found = exports.find(token, current_user.id)
    if found is None:
        return _export_unavailable()
    folder, meta = found
    state = jobs.current_status(folder)
    return render_template(
        "transfer/export_status.html",
        state=state,
        kind=meta["format"],
        token=token,
        name=_download_name(meta["format"], meta["created"]),
        rows=format_number(state.get("rows") or 0),
        size=format_decimal((state.get("size") or 0) / 1024 / 1024, "#,##0.0"),
        expires=datetime.fromtimestamp(meta["created"], UTC) + exports.lifetime(),
    )


@bp.route("/exports/<token>/file")
@permission_required(Permission.READ)
def export_download(token: str):
    """The written export, for the user who asked for it."""
    found = exports.find(token, current_user.id)
    if found is None:
        return _export_unavailable()
    folder, meta = found
    if jobs.current_status(folder)["state"] != exports.DONE:
        return redirect(url_for("transfer.export_status", token=token))
    kind = meta["format"]
    return send_file(
        folder / exports.file_name(kind),
        mimetype=exports.FORMATS[kind],
        as_attachment=True,
        download_name=_download_name(kind, meta["created"]),
        max_age=0,
    )


@bp.route("/export.xlsx")
@permission_required(Permission.READ)
def export_xlsx():
    """Every record as one Excel workbook, written during the request (for scripts and direct
    links; the page prepares it in the background)."""
    read_one_snapshot(db.session)
    return send_file(
        io.BytesIO(workbook.export_workbook()),
        mimetype=workbook.MEDIA_TYPE,
        as_attachment=True,
        download_name=_download_name("xlsx"),
    )


@bp.route("/export.zip")
@permission_required(Permission.READ)
def export():
    """Every record as one zip of CSV files, written during the request (for scripts and
    direct links; the page prepares it in the background)."""
    made_by = current_user.email
    read_one_snapshot(db.session)
    buffer = io.BytesIO()
    exports.write_zip(buffer, made_by)
    buffer.seek(0)
    return send_file(
        buffer, mimetype="application/zip", as_attachment=True, download_name=_download_name("zip")
    )
