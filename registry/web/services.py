"""Services, providers, requirements and mitigations (placeholder)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("services", __name__, url_prefix="/services")


@bp.route("/")
@permission_required(Permission.READ)
def index():
    return render_template("_placeholder.html", title="services")
