"""Import and export of the interchange files in the browser (placeholder)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("transfer", __name__, url_prefix="/transfer")


@bp.route("/")
@permission_required(Permission.READ)
def index():
    return render_template("_placeholder.html", title="transfer")
