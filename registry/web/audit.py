"""The audit log, for administrators and auditors (placeholder)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@permission_required(Permission.AUDIT)
def index():
    return render_template("_placeholder.html", title="audit")
