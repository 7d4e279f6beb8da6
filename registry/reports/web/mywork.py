"""Mijn werk: the page of the logged-in user's own responsibilities, when their account is
linked to a staff record (User.person_id)."""

from datetime import date

from flask import Blueprint, render_template
from flask_babel import format_date
from flask_login import current_user

from registry.core.decorators import permission_required
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.core.report_pages import percentage
from registry.gaps import services as gaps
from registry.mitigations import rules
from registry.people.models.staff import Person
from registry.reports.services import mywork

bp = Blueprint("mywork", __name__, url_prefix="/my-work")


@bp.route("/")
@permission_required(Permission.READ)
def index():
    person = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    context = {"person": person, "format_date": format_date, "percentage": percentage}
    if person is None:
        return render_template("mywork/index.html", **context)
    today = date.today()
    _today, horizon = gaps.resolve(today, None)
    owned = mywork.owned_mitigations(person.id, today)
    rows = gaps.rows_of((m.requirement_id for m in owned), today)
    return render_template(
        "mywork/index.html",
        today=today,
        horizon=horizon,
        services=mywork.owned_services(person.id, today, horizon),
        owned=owned,
        rows=rows,
        departure=mywork.departure(person, today),
        overdue=lambda m: rules.is_overdue(m.status, m.due_on, today),
        accepted_until=lambda m: rules.accepted_until(m.kind, m.status, m.risk_expires_on, today),
        period={},
        **context,
    )
