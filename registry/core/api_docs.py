"""The API reference page: Swagger UI from vendored assets (npm swagger-ui-dist, copied into
static/vendor/ by the Makefile), reading /api/v1/openapi.json. No CDN, no inline script."""

from flask import Blueprint, render_template

from registry.core.decorators import permission_required
from registry.core.permissions import Permission

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
@permission_required(Permission.READ)
def reference():
    """The rendered OpenAPI reference (for logged-in users)."""
    return render_template("api/reference.html")
