"""Reports: dashboard, gap list, coverage matrix and what-if (placeholder routes)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/")
@permission_required(Permission.READ)
def dashboard():
    return render_template("_placeholder.html", title="Dashboard")
