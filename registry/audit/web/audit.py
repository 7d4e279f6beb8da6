"""The audit log for administrators and auditors: filtered listing, the history of one record,
CSV export of exactly the filtered rows, and verification of the hash chain."""

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.rules import audit_chain
from registry.audit.services import audit, audit_log, provenance
from registry.audit.web import audit_labels as labels
from registry.audit.web.audit_labels import ACTION_LABELS, ENTITY_LABELS, RESULT_LABELS
from registry.audit.web.forms import AuditFilterForm, VerifyForm
from registry.core.decorators import permission_required
from registry.core.permissions import Permission
from registry.core.provenance import csv_preamble
from registry.core.spreadsheet import neutralise

bp = Blueprint("audit", __name__, url_prefix="/audit")

_label = labels.label


def _zone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", audit_log.LOCAL_ZONE)


def _filters() -> tuple[AuditFilterForm, audit_log.Filters]:
    """The filter form from the query string, and the filters it amounts to (invalid
    fields are ignored and shown with their error)."""
    form = AuditFilterForm(request.args)
    form.validate()
    ok = {name for name, f in form._fields.items() if not f.errors}

    def value(name):
        data = form[name].data if name in ok else None
        return data.strip() if isinstance(data, str) else data

    filters = audit_log.Filters(
        entity=value("entity") or None,
        entity_id=value("entity_id") or None,
        actor=value("actor") or None,
        action=value("action") or None,
        result=value("result") or None,
        date_from=value("date_from"),
        date_to=value("date_to"),
    )
    return form, filters


# Records with a page everyone may read; the others link to their history in the log.
_DOSSIERS = {
    "service": ("dossiers.service", "code"),
    "competence": ("dossiers.competence", "code"),
    "person": ("dossiers.person", "employee_number"),
}


def _link(named: audit_log.Named) -> str:
    if named.kind in _DOSSIERS:
        endpoint, arg = _DOSSIERS[named.kind]
        values: dict[str, Any] = {arg: named.key}  # url_for's own keywords are typed apart
        return url_for(endpoint, **values)
    if named.kind == "attestation":
        return url_for("attestations.show", attestation_id=named.id)
    if named.kind == "user":
        return url_for("audit.index", actor=named.key)
    return url_for("audit.index", entity=named.kind, entity_id=named.id)


def _view_helpers(events=()) -> dict:
    """What the audit templates need; the names of every record the events refer to are
    read in one query for the whole page."""
    zone = _zone()
    known = audit_log.names(audit_log.references(events))

    def record(kind, number):
        """(name, link) of a referenced record, or None when it cannot be found."""
        text = str(number) if number is not None else ""
        named = known.get((kind, int(text))) if text.isdigit() else None
        return (named.name, _link(named)) if named else None

    def value_ref(field_name, value):
        kind = audit_log.REFERENCE_FIELDS.get(field_name)
        return record(kind, value) if kind else None

    return {
        "entity_label": lambda code: _label(ENTITY_LABELS, code),
        "action_label": lambda code: _label(ACTION_LABELS, code),
        "result_label": lambda code: _label(RESULT_LABELS, code),
        "field_label": lambda code: _label(labels.FIELD_LABELS, code),
        "endpoint_label": lambda code: _label(labels.ENDPOINT_LABELS, code),
        "record": record,
        "value_ref": value_ref,
        "local_time": lambda at: audit_log.local_time(at, zone),
        "diff": audit_log.diff,
    }


@bp.route("/")
@permission_required(Permission.AUDIT)
def index():
    """The audit log, filtered; with entity and entity_id it is the history of one record."""
    form, filters = _filters()
    form.set_choices(audit_log.filter_values(), ENTITY_LABELS, ACTION_LABELS, RESULT_LABELS)
    number = request.args.get("page", 1, type=int)
    events = audit_log.page(filters, max(number, 1), current_app.config["PAGE_SIZE"], _zone())
    record_name = (
        audit_log.describe(filters.entity, filters.entity_id) if filters.is_history else None
    )
    return render_template(
        "audit/index.html",
        form=form,
        filters=filters,
        events=events,
        record_name=record_name,
        verify_form=VerifyForm(),
        export_args=request.args.to_dict(flat=True) | {"page": None},
        **_view_helpers(events.items),
    )


def _cell(value) -> str:
    """A cell as text, with formulas neutralised for spreadsheets."""
    return "" if value is None else neutralise(str(value))


def generate_csv(rows) -> Iterator[str]:
    """CSV text, one line per chunk, so a long log streams (the caller adds the BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@bp.route("/export.csv")
@permission_required(Permission.AUDIT)
def export():
    """Exactly the filtered events as CSV (UTF-8 with BOM, formulas neutralised).

    Written to a spooled temporary file (memory up to a few MB, then disk) inside the request,
    so a long log neither fills the memory nor needs the database after the view returns.
    """
    _form, filters = _filters()
    stamp = provenance.stamp(
        "audit log",
        made_by=current_user.email,
        details=[(f"filter_{name}", value) for name, value in vars(filters).items()],
    )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - sent below
    spool.write("\ufeff".encode())
    spool.write(csv_preamble(stamp).encode())  # dated: see README.md "Dated exports"
    for chunk in generate_csv(audit_log.csv_rows(filters, _zone())):
        spool.write(chunk.encode())
    spool.seek(0)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return send_file(
        spool, mimetype="text/csv", as_attachment=True, download_name=f"audit-log-{stamp}.csv"
    )


@bp.route("/export.jsonl")
@permission_required(Permission.AUDIT)
def export_jsonl():
    """Every event as JSON lines, exactly the fields the hash covers (docs/AUDIT.md), for
    verification by a program of the auditor's own. Not filtered: the chain needs all."""
    from registry.audit.services import audit_export

    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - sent below
    for line in audit_export.export_lines():
        spool.write(line.encode())
    spool.seek(0)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return send_file(
        spool,
        mimetype="application/jsonl",
        as_attachment=True,
        download_name=f"audit-log-{stamp}.jsonl",
    )


@bp.route("/verify", methods=["GET", "POST"])
@permission_required(Permission.AUDIT)
def verify():
    """GET explains and shows the button; POST recomputes the whole chain and shows the
    outcome (the head N:HASH, or the first broken event). Verifying writes nothing."""
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        expect = audit_chain.parse_head(form.expect.data) if form.expect.data else None
        result = audit.verify_chain(expect)
    broken = None
    if result and not result.ok and result.broken_seq:
        broken = audit_log.event_by_seq(result.broken_seq)
    message = _(result.reason, **result.details) if result and not result.ok else None
    return render_template(
        "audit/verify.html",
        form=form,
        result=result,
        message=message,
        broken=broken,
        **_view_helpers([broken] if broken else []),
    )
