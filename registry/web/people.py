"""People, org units, assignments and holdings: the list of people and every form that keeps
them current (new hires, changes, departures, assignments, assessments).

Views are thin: parse the form and hand the call to `registry.services.people` to
`editing.edit_page` (or `save_form`) or `editing.confirm_page` (commit, flash and redirect).
A `ServiceError` comes back as an error on its field (200); a `StaleRecord` (someone saved the
record after this form was opened) answers 409 with the current values and what was typed.

Why one module of more than 400 lines: it is the `people` blueprint, whose endpoints
(`people.assignment_new`, `people.holding_edit`, …) templates and tests address by name;
splitting it means a second blueprint and renamed endpoints, left for a later change. Its
reads are in `registry.services.people`; what remains is form handling.
"""

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from registry.domain.permissions import Permission
from registry.extensions import db
from registry.models import Assignment, Competence, Holding, OrgUnit, Person, Service
from registry.services import catalogue
from registry.services import gaps as gap_service
from registry.services import people as service
from registry.services.errors import ServiceError, StaleRecord, ensure_version
from registry.web.decorators import permission_required
from registry.web.editing import (
    actor,
    confirm_page,
    conflict,
    edit_page,
    form_page,
    save_form,
    show_error,
)
from registry.web.forms.base import ConfirmForm, level_choices, org_unit_choices
from registry.web.forms.people import (
    ROLE_SUGGESTIONS,
    AssignmentForm,
    DepartureForm,
    EndAssignmentForm,
    HoldingForm,
    OrgUnitForm,
    PeopleFilterForm,
    PersonForm,
)
from registry.web.i18n import localize_text, localized_choice
from registry.web.navigation import safe_next
from registry.web.templating import label

bp = Blueprint("people", __name__, url_prefix="/people")

# The role table grants hard deletes (DELETE_RECORDS) to administrators only.
ADMIN_ONLY = Permission.DELETE_RECORDS


# --- shared helpers -------------------------------------------------------------------------


def _back(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def _person_or_404(employee_number: str) -> Person:
    person = service.person_by_number(employee_number)
    if person is None:
        abort(404)
    return person


def _today() -> date:
    return date.today()


# --- people ---------------------------------------------------------------------------------


def _status_choices():
    return [
        SelectChoice("", _("Everyone")),
        SelectChoice("employed", _("Employed")),
        SelectChoice(
            "leaving",
            _("Leaving within %(days)s days", days=current_app.config["DEFAULT_HORIZON_DAYS"]),
        ),
        SelectChoice("left", _("Left")),
    ]


def _people_query(form: PeopleFilterForm):
    return service.people_query(
        (form.q.data or "").strip(),
        service.org_unit_by_id(form.org_unit.data),
        form.status.data,
        _today(),
        current_app.config["DEFAULT_HORIZON_DAYS"],
    )


@bp.route("/")
@permission_required(Permission.READ)
def index():
    form = PeopleFilterForm(formdata=request.args)
    form.org_unit.choices = org_unit_choices(_("All org units"))
    form.status.choices = _status_choices()
    page = db.paginate(
        _people_query(form), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "people/index.html",
        form=form,
        page=page,
        today=_today(),
        filtered=bool(form.q.data or form.org_unit.data or form.status.data),
    )


def _person_form(form: PersonForm) -> PersonForm:
    form.org_unit_id.choices = org_unit_choices(_("(none)"))
    return form


def _stored_person(person: Person) -> PersonForm:
    data = {key: getattr(person, key) for key in service.PERSON_FIELDS}
    return _person_form(PersonForm(formdata=None, data={**data, "version": person.version}))


def _person_values(form: PersonForm) -> dict:
    return {key: form[key].data for key in service.PERSON_FIELDS}


def _dossier(person: Person) -> str:
    return url_for("dossiers.person", employee_number=person.employee_number)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = _person_form(PersonForm())
    return edit_page(
        form,
        form_page("people/person_form.html", person=None),
        lambda: service.create_person(actor(), **_person_values(form)),
        _dossier,
        message=lambda p: _("%(name)s has been added.", name=p.name),
    )


@bp.route("/<employee_number>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(employee_number):
    person = _person_or_404(employee_number)
    form = _stored_person(person) if request.method == "GET" else _person_form(PersonForm())
    return edit_page(
        form,
        form_page("people/person_form.html", person=person),
        lambda: service.update_person(actor(), person, form.version.data, **_person_values(form)),
        _dossier,
        fresh=lambda: _stored_person(person),
        message=lambda p: _("The changes to %(name)s have been saved.", name=p.name),
    )


def _impact_horizon(leave_date: date) -> int:
    """Analyse at least up to the leave date, so a departure beyond the usual horizon still
    shows what it will do."""
    return max(current_app.config["DEFAULT_HORIZON_DAYS"], (leave_date - _today()).days)


def _stored_departure(person: Person) -> DepartureForm:
    return DepartureForm(
        formdata=None, data={"version": person.version, "leave_date": person.leave_date}
    )


def _departure_page(person: Person):
    """Render the departure page; its withdraw button carries the version as it is now."""

    def render(**context):
        withdraw = ConfirmForm(formdata=None, data={"version": person.version})
        return render_template("people/departure.html", person=person, withdraw=withdraw, **context)

    return render


@bp.route("/<employee_number>/departure", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def departure(employee_number):
    """Register a departure in two steps: the leave date, then its impact; only the second
    step (confirm=1) writes."""
    person = _person_or_404(employee_number)
    render = _departure_page(person)
    form = _stored_departure(person) if request.method == "GET" else DepartureForm()
    if form.validate_on_submit():
        try:
            ensure_version(person, form.version.data)
            service.check_leave_date(person, form.leave_date.data)
            if form.confirm.data == "1":
                service.register_departure(actor(), person, form.version.data, form.leave_date.data)
                db.session.commit()
                flash(
                    _(
                        "The departure of %(name)s on %(date)s has been registered.",
                        name=person.name,
                        date=format_date(form.leave_date.data),
                    ),
                    "success",
                )
                return redirect(_dossier(person))
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            return conflict(render, form, _stored_departure(person))
        else:
            horizon = _impact_horizon(form.leave_date.data)
            impact = gap_service.what_if({person.id: form.leave_date.data}, horizon=horizon)
            return render_template(
                "people/departure_impact.html",
                form=form,
                person=person,
                impact=impact,
                horizon_end=_today() + timedelta(horizon),
            )
    return render(form=form)


@bp.route("/<employee_number>/departure/withdraw", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def withdraw_departure(employee_number):
    person = _person_or_404(employee_number)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.withdraw_departure(actor(), person, form.version.data)
        db.session.commit()
    except (StaleRecord, StaleDataError):
        db.session.rollback()
        return conflict(_departure_page(person), form, _stored_departure(person))
    flash(_("The departure of %(name)s has been withdrawn.", name=person.name), "success")
    return redirect(_dossier(person))


@bp.route("/<employee_number>/delete", methods=["GET", "POST"])
@permission_required(ADMIN_ONLY)
def delete(employee_number):
    """Hard delete (administrators, after confirmation), only for an unused record."""
    person = _person_or_404(employee_number)
    return confirm_page(
        person,
        form_page("people/delete.html", person=person, usage=service.person_usage(person)),
        lambda version: service.delete_person(actor(), person, version),
        lambda: url_for("people.index"),
        _(
            "%(name)s (%(number)s) has been deleted.",
            name=person.name,
            number=person.employee_number,
        ),
        stale_message=_("Someone else changed this record after you opened it."),
    )


# --- assignments ----------------------------------------------------------------------------


def _service_choices(current: Service | None = None):
    return [SelectChoice("", _("Choose a service"))] + [
        SelectChoice(
            str(r.id),
            f"{r.name} ({r.code})"
            if r.status == "active"
            else f"{r.name} ({r.code}, {label('service_status', r.status)})",
        )
        for r in catalogue.service_options(current)
    ]


def _assignment_form(form: AssignmentForm, assignment: Assignment | None = None):
    form.service.choices = _service_choices(assignment.service if assignment else None)
    return form


def _stored_assignment(a: Assignment) -> AssignmentForm:
    return _assignment_form(
        AssignmentForm(
            formdata=None,
            data={
                "person": a.person,
                "service": a.service_id,
                "role": a.role,
                "start_on": a.start_on,
                "end_on": a.end_on,
                "version": a.version,
            },
        ),
        a,
    )


def _assignment_page(assignment: Assignment | None):
    """Render the assignment form, with its suggestions, for `assignment` (None: a new one)."""

    def render(**context):
        return render_template(
            "people/assignment_form.html",
            assignment=assignment,
            people_suggestions=True,
            role_suggestions=ROLE_SUGGESTIONS,
            **context,
        )

    return render


def _assignment_or_404(assignment_id: int) -> Assignment:
    return db.get_or_404(Assignment, assignment_id)


def _to_person(person: Person) -> str:
    return _back(_dossier(person))


@bp.route("/assignments/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_new():
    """Assign someone to a service; ?person=<employee number> or ?service=<code> preselects
    (the person page and the service page link here)."""
    render = _assignment_page(None)
    if request.method == "GET":
        preset = catalogue.service_by_code(request.args.get("service", ""))
        data = {
            "person": service.person_by_number(request.args.get("person")),
            "service": preset.id if preset else None,
            "start_on": _today(),
        }
        return render(form=_assignment_form(AssignmentForm(formdata=None, data=data)))
    form = _assignment_form(AssignmentForm())
    if form.validate_on_submit():
        person = form.person.person
        return save_form(
            form,
            render,
            lambda: service.create_assignment(
                actor(),
                person,
                form.service.data,
                role=form.role.data,
                start_on=form.start_on.data,
                end_on=form.end_on.data,
            ),
            lambda _a: _to_person(person),
            message=lambda a: _(
                "%(name)s has been assigned to %(service)s.",
                name=person.name,
                service=a.service.name,
            ),
        )
    return render(form=form)


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_edit(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    render = _assignment_page(assignment)
    if request.method == "GET":
        return render(form=_stored_assignment(assignment))
    form = _assignment_form(AssignmentForm(), assignment)
    # Person and service are fixed for an existing assignment: show the stored ones.
    form.person.process_data(assignment.person)
    form.service.data = assignment.service_id
    return edit_page(
        form,
        render,
        lambda: service.update_assignment(
            actor(),
            assignment,
            form.version.data,
            role=form.role.data,
            start_on=form.start_on.data,
            end_on=form.end_on.data,
        ),
        lambda a: _to_person(a.person),
        fresh=lambda: _stored_assignment(assignment),
        message=lambda _a: _("The assignment has been saved."),
    )


def _stored_end(assignment: Assignment) -> EndAssignmentForm:
    return EndAssignmentForm(
        formdata=None, data={"version": assignment.version, "end_on": assignment.end_on or _today()}
    )


@bp.route("/assignments/<int:assignment_id>/end", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_end(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    form = _stored_end(assignment) if request.method == "GET" else EndAssignmentForm()
    return edit_page(
        form,
        form_page("people/assignment_end.html", assignment=assignment),
        lambda: service.end_assignment(actor(), assignment, form.version.data, form.end_on.data),
        lambda a: _to_person(a.person),
        fresh=lambda: _stored_end(assignment),
        message=lambda a: _(
            "The assignment of %(name)s to %(service)s ends on %(date)s.",
            name=a.person.name,
            service=a.service.name,
            date=format_date(form.end_on.data),
        ),
    )


@bp.route("/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def assignment_delete(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    person = assignment.person
    return confirm_page(
        assignment,
        form_page("people/assignment_delete.html", assignment=assignment),
        lambda version: service.delete_assignment(actor(), assignment, version),
        lambda: _to_person(person),
        _("The assignment has been deleted."),
        stale_message=_(
            "Someone else changed this assignment after you opened it. Check it and try again."
        ),
    )


# --- holdings -------------------------------------------------------------------------------


def _competence_choices(current: Competence | None = None):
    return [SelectChoice("", _("Choose a competence"))] + [
        localized_choice(
            str(r.id),
            r.name,
            r.name_en,
            prefix=f"{r.code} — ",
            suffix=f" ({_('retired')})" if r.retired else "",
        )
        for r in catalogue.competence_options(current, by_framework=False)
    ]


def _holding_form(
    form: HoldingForm, competence: Competence | None = None, current: Competence | None = None
) -> HoldingForm:
    form.competence.choices = _competence_choices(current)
    form.level.choices = level_choices(
        competence.framework if competence is not None else None, _("Choose a level")
    )
    return form


def _holding_values(form: HoldingForm) -> dict:
    return {key: form[key].data for key in service.HOLDING_FIELDS}


def _stored_holding(h: Holding) -> HoldingForm:
    data = {
        "person": h.person,
        "competence": h.competence_id,
        "version": h.version,
        **{key: getattr(h, key) for key in service.HOLDING_FIELDS},
    }
    return _holding_form(HoldingForm(formdata=None, data=data), h.competence, h.competence)


def _holding_page(holding: Holding | None):
    """Render the assessment form, with its suggestions, for `holding` (None: a new one)."""

    def render(**context):
        return render_template(
            "people/holding_form.html", holding=holding, people_suggestions=True, **context
        )

    return render


@bp.route("/holdings/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_new():
    """Record an assessment; ?person=<employee number> and ?competence=<code> preselect (the
    person page and the competence page link here). A person has one assessment per
    competence: if it exists, the form edits that one instead and says so."""
    if request.method == "GET":
        person = service.person_by_number(request.args.get("person"))
        competence = catalogue.competence_by_code(request.args.get("competence", ""))
        existing = service.existing_holding(person, competence.id if competence else None)
        if existing is not None:
            flash(
                _(
                    "%(name)s already has an assessment for %(competence)s; you are editing it.",
                    name=person.name,
                    competence=competence.name,
                ),
                "info",
            )
            return redirect(
                url_for(
                    "people.holding_edit", holding_id=existing.id, next=request.args.get("next")
                )
            )
        form = _holding_form(
            HoldingForm(
                formdata=None,
                data={
                    "person": person,
                    "competence": competence.id if competence else None,
                    "assessed_on": _today(),
                    "assessed_by": current_user.name or current_user.email,
                },
            ),
            competence,
        )
        return _holding_page(None)(form=form)
    form = HoldingForm()
    competence = (
        catalogue.competence_by_id(form.competence.data)
        if isinstance(form.competence.data, int)
        else None
    )
    _holding_form(form, competence)
    if form.validate_on_submit():
        person = form.person.person
        existing = service.existing_holding(person, form.competence.data)
        if existing is not None:
            # Show the existing assessment's edit form with what was typed, to save over it.
            form.version.data = existing.version
            _holding_form(form, existing.competence, existing.competence)
            return _holding_page(existing)(form=form, existing_notice=True)
        return save_form(
            form,
            _holding_page(None),
            lambda: service.record_holding(
                actor(), person, form.competence.data, **_holding_values(form)
            ),
            lambda _h: _to_person(person),
            message=lambda h: _(
                "The assessment of %(name)s for %(competence)s has been recorded.",
                name=person.name,
                competence=localize_text(h.competence),
            ),
        )
    return _holding_page(None)(form=form)


@bp.route("/holdings/<int:holding_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_edit(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    render = _holding_page(holding)
    if request.method == "GET":
        return render(form=_stored_holding(holding))
    form = _holding_form(HoldingForm(), holding.competence, holding.competence)
    form.person.process_data(holding.person)
    form.competence.data = holding.competence_id
    return edit_page(
        form,
        render,
        lambda: service.update_holding(
            actor(), holding, form.version.data, **_holding_values(form)
        ),
        lambda h: _to_person(h.person),
        fresh=lambda: _stored_holding(holding),
        message=lambda h: _(
            "The assessment of %(name)s for %(competence)s has been saved.",
            name=h.person.name,
            competence=localize_text(h.competence),
        ),
    )


@bp.route("/holdings/<int:holding_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_delete(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    person = holding.person
    return confirm_page(
        holding,
        form_page("people/holding_delete.html", holding=holding),
        lambda version: service.delete_holding(actor(), holding, version),
        lambda: _to_person(person),
        _("The assessment has been deleted."),
        stale_message=_(
            "Someone else changed this assessment after you opened it. Check it and try again."
        ),
    )


# --- org units ------------------------------------------------------------------------------


@bp.route("/org-units")
@permission_required(Permission.READ)
def org_units():
    """The org-unit tree (ordered by path) with the number of people in each unit."""
    rows = service.org_units_with_headcount(_today())
    return render_template("people/org_units.html", rows=rows, separator=service.PATH_SEPARATOR)


@bp.route("/org-units/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_new():
    form = OrgUnitForm()
    form.parent_id.choices = org_unit_choices(_("(top level)"))
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent_id.data = int(request.args["parent"])
    return edit_page(
        form,
        form_page("people/org_unit_form.html", unit=None),
        lambda: service.create_org_unit(actor(), form.name.data, form.parent_id.data),
        lambda _u: url_for("people.org_units"),
        message=lambda u: _("%(path)s has been added.", path=u.path),
    )


@bp.route("/org-units/<int:unit_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_edit(unit_id):
    unit = db.get_or_404(OrgUnit, unit_id)
    choices = org_unit_choices(_("(top level)"), exclude=unit)

    def stored():
        form = OrgUnitForm(
            formdata=None,
            data={"name": unit.name, "parent_id": unit.parent_id, "version": unit.version},
        )
        form.parent_id.choices = choices
        return form

    if request.method == "GET":
        form = stored()
    else:
        form = OrgUnitForm()
        form.parent_id.choices = choices
    return edit_page(
        form,
        form_page("people/org_unit_form.html", unit=unit),
        lambda: service.update_org_unit(
            actor(), unit, form.version.data, form.name.data, form.parent_id.data
        ),
        lambda _u: url_for("people.org_units"),
        fresh=stored,
        message=lambda u: _("%(path)s has been saved.", path=u.path),
    )


@bp.route("/org-units/<int:unit_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def org_unit_delete(unit_id):
    unit = db.get_or_404(OrgUnit, unit_id)
    return confirm_page(
        unit,
        form_page("people/org_unit_delete.html", unit=unit, usage=service.unit_usage(unit)),
        lambda version: service.delete_org_unit(actor(), unit, version),
        lambda: url_for("people.org_units"),
        _("%(path)s has been deleted.", path=unit.path),
        stale_message=_("Someone else changed this record after you opened it."),
    )
