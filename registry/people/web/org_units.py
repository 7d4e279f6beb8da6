"""Org units: the tree that people belong to."""

from flask import render_template, request, url_for
from flask_babel import gettext as _

from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, edit_page, form_page
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.people import services as service
from registry.people.fields import org_unit_choices
from registry.people.models.staff import OrgUnit
from registry.people.web.common import bp, today
from registry.people.web.forms import OrgUnitForm


@bp.route("/org-units")
@permission_required(Permission.READ)
def org_units():
    """The org-unit tree (ordered by path) with the number of people in each unit."""
    rows = service.org_units_with_headcount(today())
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
