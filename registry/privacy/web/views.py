"""Privacy duties for admins: anonymise people who left long ago (a dry-run list first, then a
confirmation), and download one person's own data as JSON."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.audit.services import audit
from registry.core.database import immediate_writes
from registry.core.decorators import permission_required
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.people.models.staff import Person
from registry.privacy import services as privacy
from registry.privacy.web.forms import AnonymiseForm, LeaversForm

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

SHOWN = 500  # people listed on the page; the count covers all of them


@bp.route("/")
@permission_required(Permission.MANAGE_PRIVACY)
def index():
    """The dry run: who left before the chosen day (default: the retention term)."""
    form = LeaversForm(request.args)
    form.validate()
    left_before = (
        form.left_before.data
        if form.left_before.data and not form.left_before.errors
        else privacy.default_left_before()
    )
    people = privacy.leavers(left_before)
    confirm = AnonymiseForm(formdata=None, left_before=left_before, expected=len(people))
    return render_template(
        "privacy/index.html",
        form=form,
        confirm=confirm,
        left_before=left_before,
        people=people[:SHOWN],
        total=len(people),
        retention_days=current_app.config["RETENTION_DAYS"],
    )


@bp.route("/anonymise", methods=["POST"])
@permission_required(Permission.MANAGE_PRIVACY)
def anonymise():
    """Anonymise the people of the dry run, unless the list changed since it was shown."""
    form = AnonymiseForm()
    if not form.validate():
        flash(_("The anonymisation was not started: show the list again and confirm it."), "error")
        return redirect(url_for("privacy.index"))
    left_before = form.left_before.data
    actor = audit.Actor.of(current_user, request.remote_addr)
    immediate_writes()
    if len(privacy.leavers(left_before)) != form.expected.data:
        flash(_("The list changed since you saw it. Check it again before confirming."), "warning")
        return redirect(url_for("privacy.index", left_before=left_before.isoformat()))
    outcome = privacy.anonymise(actor, left_before)
    db.session.commit()
    flash(
        _(
            "%(count)s people who left before %(date)s have been anonymised; "
            "%(events)s audit events were redacted.",
            count=len(outcome.people),
            date=left_before.isoformat(),
            events=outcome.redacted_events,
        ),
        "success",
    )
    return redirect(url_for("privacy.index", left_before=left_before.isoformat()))


@bp.route("/people/<employee_number>.json")
@permission_required(Permission.MANAGE_PRIVACY)
def export(employee_number: str):
    """Everything the registry holds about one person, as a JSON download (audited)."""
    # A GET that writes (the audit event): end the read transaction the login check began,
    # so SQLite starts this one as a writer instead of failing to upgrade a read lock.
    db.session.rollback()
    immediate_writes()
    person = db.session.execute(
        select(Person).where(Person.employee_number == employee_number[:40])
    ).scalar_one_or_none()
    if person is None:
        abort(404)
    data = privacy.export_person(audit.Actor.of(current_user, request.remote_addr), person)
    db.session.commit()
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}.json"',
            "Cache-Control": "no-store",
        },
    )
