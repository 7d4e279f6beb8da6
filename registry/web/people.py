"""People, org units, assignments and holdings (placeholder)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("/")
@permission_required(Permission.READ)
def index():
    return render_template("_placeholder.html", title="people")
