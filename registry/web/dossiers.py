"""Dossiers: the service dossier, the competence page and the person page (placeholders)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("dossiers", __name__)


@bp.route("/services/<code>")
@permission_required(Permission.READ)
def service(code):
    return render_template("_placeholder.html", title=code)


@bp.route("/competences/<code>")
@permission_required(Permission.READ)
def competence(code):
    return render_template("_placeholder.html", title=code)


@bp.route("/people/<employee_number>")
@permission_required(Permission.READ)
def person(employee_number):
    return render_template("_placeholder.html", title=employee_number)
