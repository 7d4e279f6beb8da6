"""The list of people and the forms for a person: new hires, changes, departures (with
the impact preview of `registry.gaps.services`) and hard deletes."""

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from registry.core.config import default_horizon
from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, conflict, edit_page, form_page, show_error
from registry.core.errors import ServiceError, StaleRecord, ensure_version
from registry.core.extensions import db
from registry.core.forms import ConfirmForm
from registry.core.permissions import Permission
from registry.gaps import services as gap_service
from registry.people import services as service
from registry.people.fields import org_unit_choices
from registry.people.models.staff import Person
from registry.people.web.common import ADMIN_ONLY, bp, dossier_url, person_or_404, today
from registry.people.web.forms import DepartureForm, PeopleFilterForm, PersonForm


def _status_choices():
    return [
        SelectChoice("", _("Everyone")),
        SelectChoice("employed", _("Employed")),
        SelectChoice(
            "leaving",
            _("Leaving within %(days)s days", days=default_horizon()),
        ),
        SelectChoice("left", _("Left")),
    ]


def _people_query(form: PeopleFilterForm):
    return service.people_query(
        (form.q.data or "").strip(),
        service.org_unit_by_id(form.org_unit.data),
        form.status.data,
        today(),
        default_horizon(),
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
        today=today(),
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


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = _person_form(PersonForm())
    return edit_page(
        form,
        form_page("people/person_form.html", person=None),
        lambda: service.create_person(actor(), **_person_values(form)),
        dossier_url,
        message=lambda p: _("%(name)s has been added.", name=p.name),
    )


@bp.route("/<employee_number>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(employee_number):
    person = person_or_404(employee_number)
    form = _stored_person(person) if request.method == "GET" else _person_form(PersonForm())
    return edit_page(
        form,
        form_page("people/person_form.html", person=person),
        lambda: service.update_person(actor(), person, form.version.data, **_person_values(form)),
        dossier_url,
        fresh=lambda: _stored_person(person),
        message=lambda p: _("The changes to %(name)s have been saved.", name=p.name),
    )


def _impact_horizon(leave_date: date) -> int:
    """Analyse at least up to the leave date, so a departure beyond the usual horizon still
    shows what it will do."""
    return max(default_horizon(), (leave_date - today()).days)


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
    person = person_or_404(employee_number)
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
                return redirect(dossier_url(person))
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
                horizon_end=today() + timedelta(horizon),
            )
    return render(form=form)


@bp.route("/<employee_number>/departure/withdraw", methods=["POST"])
@permission_required(Permission.EDIT_REGISTRY)
def withdraw_departure(employee_number):
    person = person_or_404(employee_number)
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
    return redirect(dossier_url(person))


@bp.route("/<employee_number>/delete", methods=["GET", "POST"])
@permission_required(ADMIN_ONLY)
def delete(employee_number):
    """Hard delete (administrators, after confirmation), only for an unused record."""
    person = person_or_404(employee_number)
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
