"""Assignments: who works on which service, in which role, from when until when."""

from flask import render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from registry.catalogue.models.services import Service
from registry.catalogue.services import catalogue
from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, edit_page, form_page, save_form
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.core.templating import label
from registry.people import services as service
from registry.people.models.holdings import Assignment
from registry.people.web.common import bp, to_person, today
from registry.people.web.forms import ROLE_SUGGESTIONS, AssignmentForm, EndAssignmentForm


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
            "start_on": today(),
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
            lambda _a: to_person(person),
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
        lambda a: to_person(a.person),
        fresh=lambda: _stored_assignment(assignment),
        message=lambda _a: _("The assignment has been saved."),
    )


def _stored_end(assignment: Assignment) -> EndAssignmentForm:
    return EndAssignmentForm(
        formdata=None, data={"version": assignment.version, "end_on": assignment.end_on or today()}
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
        lambda a: to_person(a.person),
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
        lambda: to_person(person),
        _("The assignment has been deleted."),
        stale_message=_(
            "Someone else changed this assignment after you opened it. Check it and try again."
        ),
    )
