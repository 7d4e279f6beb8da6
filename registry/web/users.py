"""User accounts, for administrators (placeholder)."""

from flask import Blueprint, render_template

from registry.domain.permissions import Permission
from registry.web.decorators import permission_required

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@permission_required(Permission.MANAGE_USERS)
def index():
    return render_template("_placeholder.html", title="users")
