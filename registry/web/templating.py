"""Template globals and filters shared by every page: navigation, role names, labels."""

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.domain.permissions import Permission

ROLE_LABELS = {
    "admin": _l("administrator"),
    "editor": _l("editor"),
    "manager": _l("manager"),
    "auditor": _l("auditor"),
    "system": _l("system"),
}

# (endpoint, label, hint, permission). An area shows up once its blueprint is registered.
NAVIGATION = (
    ("main.home", _l("Start"), None, Permission.READ),
    ("reports.dashboard", _l("Dashboard"), _l("coverage, top risks and departures"),
     Permission.READ),
    ("reports.gaps", _l("Gaps"), _l("every requirement that is not covered"), Permission.READ),
    ("reports.matrix", _l("Coverage matrix"), _l("services × competences"), Permission.READ),
    ("reports.whatif", _l("What-if"), _l("the impact of departures"), Permission.READ),
    ("services.index", _l("Services"), _l("outsourced services and their providers"),
     Permission.READ),
    ("competences.index", _l("Competences"), _l("the catalogue and frameworks"),
     Permission.READ),
    ("people.index", _l("People"), _l("staff, their competences and assignments"),
     Permission.READ),
    ("transfer.index", _l("Import and export"), _l("the CSV interchange files"),
     Permission.READ),
    ("audit.index", _l("Audit log"), _l("every change, verifiable"), Permission.AUDIT),
    ("users.index", _l("Users"), _l("login accounts and roles"), Permission.MANAGE_USERS),
)


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    hint: str | None
    current: bool
    home: bool


def navigation() -> list[NavItem]:
    """The areas this user may open, in menu order."""
    items = []
    for endpoint, label, hint, permission in NAVIGATION:
        if endpoint not in current_app.view_functions or not current_user.can(permission):
            continue
        blueprint = endpoint.split(".")[0]
        current = request.endpoint == endpoint or (
            endpoint != "main.home" and request.blueprint == blueprint
            and blueprint not in ("reports",)
        )
        items.append(NavItem(url_for(endpoint), label, hint, current, endpoint == "main.home"))
    return items


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def compact(mapping: dict) -> dict:
    """Drop None values, so optional HTML attributes are left out."""
    return {key: value for key, value in mapping.items() if value is not None}


def init_app(app) -> None:
    app.jinja_env.globals.update(navigation=navigation, role_label=role_label)
    app.jinja_env.filters["compact"] = compact
