"""People, org units, assignments and holdings: the list of people and every form that keeps
them current (new hires, changes, departures, assignments, assessments).

Views are thin: parse the form, call `registry.services.people`, commit, flash and redirect.
A `ServiceError` comes back as an error on its field (200); a `StaleRecord` (someone saved the
record after this form was opened) answers 409 with the current values and what was typed.
"""

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from registry.domain.permissions import Permission
from registry.extensions import db
from registry.models import Assignment, Competence, Holding, OrgUnit, Person, Service
from registry.services import audit
from registry.services import gaps as gap_service
from registry.services import people as service
from registry.services.errors import ServiceError, StaleRecord, ensure_version
from registry.web.decorators import permission_required
from registry.web.forms.people import (
    ROLE_SUGGESTIONS,
    AssignmentForm,
    ConfirmForm,
    DepartureForm,
    EndAssignmentForm,
    HoldingForm,
    OrgUnitForm,
    PeopleFilterForm,
    PersonForm,
    typed_values,
)
from registry.web.navigation import safe_next
from registry.web.templating import LABELS, label

bp = Blueprint("people", __name__, url_prefix="/people")

# The role table grants hard deletes of people to administrators only; administrators are
# exactly the role with MANAGE_USERS.
ADMIN_ONLY = Permission.DELETE_RECORDS
SUGGESTION_LIMIT = 1000
CONFLICT = 409


# --- shared helpers -------------------------------------------------------------------------


def _actor() -> audit.Actor:
    return audit.Actor.of(current_user, request.remote_addr)


def _field_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is None:
        flash(str(error), "error")
    else:
        target.errors = [*target.errors, str(error)]


def _conflict(template: str, submitted, fresh, **context):
    """409: the form again, now with the stored values and version, plus what was typed."""
    page = render_template(template, form=fresh, conflict=typed_values(submitted), **context)
    return page, CONFLICT


def _back(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def _person_or_404(employee_number: str) -> Person:
    person = service.person_by_number(employee_number)
    if person is None:
        abort(404)
    return person


def _today() -> date:
    return date.today()


def _org_unit_choices(empty_label, exclude: OrgUnit | None = None):
    from wtforms.fields.choices import SelectChoice

    query = select(OrgUnit.id, OrgUnit.path).order_by(OrgUnit.path)
    if exclude is not None:  # a unit cannot move under itself or its sub-units
        query = query.where(OrgUnit.id != exclude.id,
                            ~OrgUnit.path.startswith(exclude.path + service.PATH_SEPARATOR,
                                                     autoescape=True))
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(row.id), row.path) for row in db.session.execute(query)]


def _people_suggestions():
    """Employed people for the employee-number <datalist> (capped; typing still works)."""
    today = _today()
    return db.session.execute(
        select(Person.employee_number, Person.name)
        .where(or_(Person.leave_date.is_(None), Person.leave_date > today))
        .order_by(Person.name).limit(SUGGESTION_LIMIT)).all()


# --- people ---------------------------------------------------------------------------------

STATUS_FILTERS = ("employed", "leaving", "left")


def _status_choices():
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice("", _("Everyone")), SelectChoice("employed", _("Employed")),
            SelectChoice("leaving", _("Leaving within %(days)s days",
                                      days=current_app.config["DEFAULT_HORIZON_DAYS"])),
            SelectChoice("left", _("Left"))]


def _people_query(form: PeopleFilterForm):
    today = _today()
    query = select(Person).options(joinedload(Person.org_unit))
    text = (form.q.data or "").strip()
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(func.lower(Person.name).like(like),
                                func.lower(Person.employee_number).like(like),
                                func.lower(Person.email).like(like)))
    unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
    if unit is not None:
        query = query.join(OrgUnit, Person.org_unit_id == OrgUnit.id).where(or_(
            OrgUnit.id == unit.id,
            OrgUnit.path.startswith(unit.path + service.PATH_SEPARATOR, autoescape=True)))
    employed = (or_(Person.start_date.is_(None), Person.start_date <= today),
                or_(Person.leave_date.is_(None), Person.leave_date > today))
    status = form.status.data
    if status == "employed":
        query = query.where(*employed)
    elif status == "leaving":
        horizon = today + timedelta(days=current_app.config["DEFAULT_HORIZON_DAYS"])
        query = query.where(*employed, Person.leave_date <= horizon)
    elif status == "left":
        query = query.where(Person.leave_date <= today)
    return query.order_by(Person.name, Person.employee_number)


@bp.route("/")
@permission_required(Permission.READ)
def index():
    form = PeopleFilterForm(formdata=request.args)
    form.org_unit.choices = _org_unit_choices(_("All org units"))
    form.status.choices = _status_choices()
    page = db.paginate(_people_query(form), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("people/index.html", form=form, page=page, today=_today(),
                           filtered=bool(form.q.data or form.org_unit.data or form.status.data))


def _person_form(form: PersonForm) -> PersonForm:
    form.org_unit_id.choices = _org_unit_choices(_("(none)"))
    return form


def _person_values(form: PersonForm) -> dict:
    return {key: form[key].data for key in service.PERSON_FIELDS}


def _person_data(person: Person) -> dict:
    return {**{key: getattr(person, key) for key in service.PERSON_FIELDS},
            "version": person.version}


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = _person_form(PersonForm())
    if form.validate_on_submit():
        try:
            person = service.create_person(_actor(), **_person_values(form))
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=person.name), "success")
            return redirect(url_for("dossiers.person", employee_number=person.employee_number))
    return render_template("people/person_form.html", form=form, person=None)


@bp.route("/<employee_number>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(employee_number):
    person = _person_or_404(employee_number)
    if request.method == "GET":
        form = _person_form(PersonForm(data=_person_data(person), formdata=None))
        return render_template("people/person_form.html", form=form, person=person)
    form = _person_form(PersonForm())
    if form.validate_on_submit():
        try:
            service.update_person(_actor(), person, form.version.data, **_person_values(form))
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = _person_form(PersonForm(data=_person_data(person), formdata=None))
            return _conflict("people/person_form.html", form, fresh, person=person)
        else:
            flash(_("The changes to %(name)s have been saved.", name=person.name), "success")
            return redirect(url_for("dossiers.person", employee_number=person.employee_number))
    return render_template("people/person_form.html", form=form, person=person)


def _impact_horizon(leave_date: date) -> int:
    """Analyse at least up to the leave date, so a departure beyond the usual horizon still
    shows what it will do."""
    return max(current_app.config["DEFAULT_HORIZON_DAYS"], (leave_date - _today()).days)


@bp.route("/<employee_number>/departure", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def departure(employee_number):
    """Register a departure in two steps: the leave date, then its impact; only the second
    step (confirm=1) writes."""
    person = _person_or_404(employee_number)
    withdraw = ConfirmForm(formdata=None, data={"version": person.version})
    if request.method == "GET":
        form = DepartureForm(formdata=None, data={"version": person.version,
                                                  "leave_date": person.leave_date})
        return render_template("people/departure.html", form=form, person=person,
                               withdraw=withdraw)
    form = DepartureForm()
    if form.validate_on_submit():
        try:
            ensure_version(person, form.version.data)
            service.check_leave_date(person, form.leave_date.data)
            if form.confirm.data == "1":
                service.register_departure(_actor(), person, form.version.data,
                                           form.leave_date.data)
                db.session.commit()
                flash(_("The departure of %(name)s on %(date)s has been registered.",
                        name=person.name, date=format_date(form.leave_date.data)), "success")
                return redirect(url_for("dossiers.person",
                                        employee_number=person.employee_number))
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = DepartureForm(formdata=None, data={"version": person.version,
                                                       "leave_date": person.leave_date})
            return _conflict("people/departure.html", form, fresh, person=person,
                             withdraw=ConfirmForm(formdata=None,
                                                  data={"version": person.version}))
        else:
            horizon = _impact_horizon(form.leave_date.data)
            impact = gap_service.what_if({person.id: form.leave_date.data}, horizon=horizon)
            return render_template("people/departure_impact.html", form=form, person=person,
                                   impact=impact, horizon_end=_today() + timedelta(horizon))
    return render_template("people/departure.html", form=form, person=person, withdraw=withdraw)


@bp.route("/<employee_number>/departure/withdraw", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def withdraw_departure(employee_number):
    person = _person_or_404(employee_number)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.withdraw_departure(_actor(), person, form.version.data)
        db.session.commit()
    except (StaleRecord, StaleDataError):
        db.session.rollback()
        fresh = DepartureForm(formdata=None, data={"version": person.version,
                                                   "leave_date": person.leave_date})
        return render_template(
            "people/departure.html", form=fresh, person=person, conflict=[],
            withdraw=ConfirmForm(formdata=None, data={"version": person.version})), CONFLICT
    flash(_("The departure of %(name)s has been withdrawn.", name=person.name), "success")
    return redirect(url_for("dossiers.person", employee_number=person.employee_number))


@bp.route("/<employee_number>/delete", methods=["GET", "POST"])
@permission_required(ADMIN_ONLY)
def delete(employee_number):
    """Hard delete (administrators, after confirmation), only for an unused record."""
    person = _person_or_404(employee_number)
    usage = service.person_usage(person)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.delete_person(_actor(), person)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s (%(number)s) has been deleted.", name=person.name,
                    number=person.employee_number), "success")
            return redirect(url_for("people.index"))
    return render_template("people/delete.html", person=person, usage=usage, form=form)


# --- assignments ----------------------------------------------------------------------------


def _service_choices(current: Service | None = None):
    from wtforms.fields.choices import SelectChoice

    rows = db.session.execute(
        select(Service.id, Service.code, Service.name, Service.status)
        .where(or_(Service.status.in_(service.ANALYSED_SERVICE_STATUSES),
                   Service.id == (current.id if current else None)))
        .order_by(Service.name)).all()
    return [SelectChoice("", _("Choose a service"))] + [
        SelectChoice(str(r.id), f"{r.name} ({r.code})" if r.status == "active" else
                     f"{r.name} ({r.code}, {label('service_status', r.status)})")
        for r in rows]


def _assignment_form(form: AssignmentForm, assignment: Assignment | None = None):
    form.service.choices = _service_choices(assignment.service if assignment else None)
    return form


def _assignment_data(a: Assignment) -> dict:
    return {"person": a.person.employee_number, "service": a.service_id, "role": a.role,
            "start_on": a.start_on, "end_on": a.end_on, "version": a.version}


def _assignment_context(**context):
    return {"people_suggestions": _people_suggestions(), "role_suggestions": ROLE_SUGGESTIONS,
            **context}


def _assignment_or_404(assignment_id: int) -> Assignment:
    return db.get_or_404(Assignment, assignment_id)


def _to_person(person: Person) -> str:
    return _back(url_for("dossiers.person", employee_number=person.employee_number))


@bp.route("/assignments/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_new():
    """Assign someone to a service; ?person=<employee number> or ?service=<code> preselects
    (the person page and the service page link here)."""
    form = _assignment_form(AssignmentForm())
    if request.method == "GET":
        preset = db.session.execute(select(Service.id).where(
            Service.code == request.args.get("service", ""))).scalar_one_or_none()
        form.person.data = request.args.get("person", "")
        form.service.data = preset
        form.start_on.data = _today()
    elif form.validate_on_submit():
        person = service.person_by_number(form.person.data)
        try:
            assignment = service.create_assignment(
                _actor(), person, form.service.data, role=form.role.data,
                start_on=form.start_on.data, end_on=form.end_on.data)
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been assigned to %(service)s.", name=person.name,
                    service=assignment.service.name), "success")
            return redirect(_to_person(person))
    return render_template("people/assignment_form.html",
                           **_assignment_context(form=form, assignment=None))


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_edit(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    if request.method == "GET":
        form = _assignment_form(AssignmentForm(data=_assignment_data(assignment),
                                               formdata=None), assignment)
        return render_template("people/assignment_form.html",
                               **_assignment_context(form=form, assignment=assignment))
    form = _assignment_form(AssignmentForm(), assignment)
    # Person and service are fixed for an existing assignment: show the stored ones.
    form.person.data, form.service.data = assignment.person.employee_number, \
        assignment.service_id
    if form.validate_on_submit():
        try:
            service.update_assignment(_actor(), assignment, form.version.data,
                                      role=form.role.data, start_on=form.start_on.data,
                                      end_on=form.end_on.data)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = _assignment_form(AssignmentForm(data=_assignment_data(assignment),
                                                    formdata=None), assignment)
            return _conflict("people/assignment_form.html", form, fresh,
                             **_assignment_context(assignment=assignment))
        else:
            flash(_("The assignment has been saved."), "success")
            return redirect(_to_person(assignment.person))
    return render_template("people/assignment_form.html",
                           **_assignment_context(form=form, assignment=assignment))


@bp.route("/assignments/<int:assignment_id>/end", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_end(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    if request.method == "GET":
        form = EndAssignmentForm(formdata=None, data={
            "version": assignment.version, "end_on": assignment.end_on or _today()})
        return render_template("people/assignment_end.html", form=form, assignment=assignment)
    form = EndAssignmentForm()
    if form.validate_on_submit():
        try:
            service.end_assignment(_actor(), assignment, form.version.data, form.end_on.data)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = EndAssignmentForm(formdata=None, data={
                "version": assignment.version, "end_on": assignment.end_on or _today()})
            return _conflict("people/assignment_end.html", form, fresh, assignment=assignment)
        else:
            flash(_("The assignment of %(name)s to %(service)s ends on %(date)s.",
                    name=assignment.person.name, service=assignment.service.name,
                    date=format_date(form.end_on.data)), "success")
            return redirect(_to_person(assignment.person))
    return render_template("people/assignment_end.html", form=form, assignment=assignment)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_delete(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    person = assignment.person
    form = ConfirmForm() if request.method == "POST" else \
        ConfirmForm(formdata=None, data={"version": assignment.version})
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.delete_assignment(_actor(), assignment, form.version.data)
            db.session.commit()
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            flash(_("Someone else changed this assignment after you opened it. Check it "
                    "and try again."), "error")
            form = ConfirmForm(formdata=None, data={"version": assignment.version})
            return render_template("people/assignment_delete.html", form=form,
                                   assignment=assignment), CONFLICT
        flash(_("The assignment has been deleted."), "success")
        return redirect(_to_person(person))
    return render_template("people/assignment_delete.html", form=form, assignment=assignment)


# --- holdings -------------------------------------------------------------------------------


def _competence_choices(current: Competence | None = None):
    from wtforms.fields.choices import SelectChoice

    rows = db.session.execute(
        select(Competence.id, Competence.code, Competence.name, Competence.retired)
        .where(or_(Competence.retired.is_(False),
                   Competence.id == (current.id if current else None)))
        .order_by(Competence.code)).all()
    return [SelectChoice("", _("Choose a competence"))] + [
        SelectChoice(str(r.id), f"{r.code} — {r.name}" + (
            f" ({_('retired')})" if r.retired else "")) for r in rows]


def _level_choices(competence: Competence | None):
    """Levels 1–5 with the generic name and, where the framework has one, its own label."""
    from wtforms.fields.choices import SelectChoice

    framework = competence.framework if competence is not None else None
    result = [SelectChoice("", _("Choose a level"))]
    for level, generic in LABELS["level"].items():
        own = framework.level_label(level) if framework is not None else None
        result.append(SelectChoice(str(level), f"{generic} — {own}" if own else str(generic)))
    return result


def _holding_form(form: HoldingForm, competence: Competence | None = None,
                  current: Competence | None = None) -> HoldingForm:
    form.competence.choices = _competence_choices(current)
    form.level.choices = _level_choices(competence)
    return form


def _holding_values(form: HoldingForm) -> dict:
    return {key: form[key].data for key in service.HOLDING_FIELDS}


def _holding_data(h: Holding) -> dict:
    return {"person": h.person.employee_number, "competence": h.competence_id,
            "version": h.version, **{key: getattr(h, key) for key in service.HOLDING_FIELDS}}


def _render_holding(form, holding, status=200, **context):
    context.setdefault("conflict", None)
    return render_template("people/holding_form.html", form=form, holding=holding,
                           people_suggestions=_people_suggestions(), **context), status


@bp.route("/holdings/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_new():
    """Record an assessment; ?person=<employee number> and ?competence=<code> preselect (the
    person page and the competence page link here). A person has one assessment per
    competence: if it exists, the form edits that one instead and says so."""
    if request.method == "GET":
        person = service.person_by_number(request.args.get("person"))
        competence = db.session.execute(select(Competence).where(
            Competence.code == request.args.get("competence", ""))).scalar_one_or_none()
        existing = service.existing_holding(person, competence.id if competence else None)
        if existing is not None:
            flash(_("%(name)s already has an assessment for %(competence)s; you are editing "
                    "it.", name=person.name, competence=competence.name), "info")
            return redirect(url_for("people.holding_edit", holding_id=existing.id,
                                    next=request.args.get("next")))
        form = _holding_form(HoldingForm(formdata=None, data={
            "person": request.args.get("person", ""),
            "competence": competence.id if competence else None,
            "assessed_on": _today(),
            "assessed_by": current_user.name or current_user.email}), competence)
        return _render_holding(form, None)
    form = HoldingForm()
    competence = db.session.get(Competence, form.competence.data) \
        if isinstance(form.competence.data, int) else None
    _holding_form(form, competence)
    if form.validate_on_submit():
        person = service.person_by_number(form.person.data)
        existing = service.existing_holding(person, form.competence.data)
        if existing is not None:
            # Show the existing assessment's edit form with what was typed, to save over it.
            form.version.data = existing.version
            _holding_form(form, existing.competence, existing.competence)
            return _render_holding(form, existing, existing_notice=True)
        try:
            holding = service.record_holding(_actor(), person, form.competence.data,
                                             **_holding_values(form))
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("The assessment of %(name)s for %(competence)s has been recorded.",
                    name=person.name, competence=holding.competence.name), "success")
            return redirect(_to_person(person))
    return _render_holding(form, None)


@bp.route("/holdings/<int:holding_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_edit(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    if request.method == "GET":
        form = _holding_form(HoldingForm(formdata=None, data=_holding_data(holding)),
                             holding.competence, holding.competence)
        return _render_holding(form, holding)
    form = _holding_form(HoldingForm(), holding.competence, holding.competence)
    form.person.data, form.competence.data = holding.person.employee_number, \
        holding.competence_id
    if form.validate_on_submit():
        try:
            service.update_holding(_actor(), holding, form.version.data,
                                   **_holding_values(form))
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = _holding_form(HoldingForm(formdata=None, data=_holding_data(holding)),
                                  holding.competence, holding.competence)
            return _render_holding(fresh, holding, CONFLICT, conflict=typed_values(form))
        else:
            flash(_("The assessment of %(name)s for %(competence)s has been saved.",
                    name=holding.person.name, competence=holding.competence.name), "success")
            return redirect(_to_person(holding.person))
    return _render_holding(form, holding)


@bp.route("/holdings/<int:holding_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_delete(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    person = holding.person
    form = ConfirmForm() if request.method == "POST" else \
        ConfirmForm(formdata=None, data={"version": holding.version})
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.delete_holding(_actor(), holding, form.version.data)
            db.session.commit()
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            flash(_("Someone else changed this assessment after you opened it. Check it "
                    "and try again."), "error")
            form = ConfirmForm(formdata=None, data={"version": holding.version})
            return render_template("people/holding_delete.html", form=form,
                                   holding=holding), CONFLICT
        flash(_("The assessment has been deleted."), "success")
        return redirect(_to_person(person))
    return render_template("people/holding_delete.html", form=form, holding=holding)


# --- org units ------------------------------------------------------------------------------


@bp.route("/org-units")
@permission_required(Permission.READ)
def org_units():
    """The org-unit tree (ordered by path) with the number of people in each unit."""
    today = _today()
    employed = select(Person.org_unit_id, func.count().label("n")).where(
        or_(Person.leave_date.is_(None), Person.leave_date > today)
    ).group_by(Person.org_unit_id).subquery()
    rows = db.session.execute(
        select(OrgUnit, func.coalesce(employed.c.n, 0))
        .outerjoin(employed, employed.c.org_unit_id == OrgUnit.id)
        .order_by(OrgUnit.path)).all()
    return render_template("people/org_units.html", rows=rows,
                           separator=service.PATH_SEPARATOR)


def _unit_data(unit: OrgUnit) -> dict:
    return {"name": unit.name, "parent_id": unit.parent_id, "version": unit.version}


@bp.route("/org-units/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_new():
    form = OrgUnitForm()
    form.parent_id.choices = _org_unit_choices(_("(top level)"))
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent_id.data = int(request.args["parent"])
    if form.validate_on_submit():
        try:
            unit = service.create_org_unit(_actor(), form.name.data, form.parent_id.data)
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("%(path)s has been added.", path=unit.path), "success")
            return redirect(url_for("people.org_units"))
    return render_template("people/org_unit_form.html", form=form, unit=None)


@bp.route("/org-units/<int:unit_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_edit(unit_id):
    unit = db.get_or_404(OrgUnit, unit_id)
    form = OrgUnitForm(formdata=None, data=_unit_data(unit)) if request.method == "GET" \
        else OrgUnitForm()
    form.parent_id.choices = _org_unit_choices(_("(top level)"), exclude=unit)
    if form.validate_on_submit():
        try:
            service.update_org_unit(_actor(), unit, form.version.data, form.name.data,
                                    form.parent_id.data)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            fresh = OrgUnitForm(formdata=None, data=_unit_data(unit))
            fresh.parent_id.choices = form.parent_id.choices
            return _conflict("people/org_unit_form.html", form, fresh, unit=unit)
        else:
            flash(_("%(path)s has been saved.", path=unit.path), "success")
            return redirect(url_for("people.org_units"))
    return render_template("people/org_unit_form.html", form=form, unit=unit)


@bp.route("/org-units/<int:unit_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_delete(unit_id):
    unit = db.get_or_404(OrgUnit, unit_id)
    usage = service.unit_usage(unit)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        path = unit.path
        try:
            service.delete_org_unit(_actor(), unit)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(path)s has been deleted.", path=path), "success")
            return redirect(url_for("people.org_units"))
    return render_template("people/org_unit_delete.html", unit=unit, usage=usage, form=form)
