"""Template globals and filters shared by every page: navigation, role names, labels."""

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.core.decorators import sees_region
from registry.core.permissions import Permission

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
    (
        "mywork.index",
        _l("My work"),
        _l("your services, mitigations and departure"),
        Permission.READ,
    ),
    (
        "reports.dashboard",
        _l("Dashboard"),
        _l("coverage, top risks and departures"),
        Permission.READ,
    ),
    (
        "region.index",
        _l("Region"),
        _l("coverage, shortages and candidates across the organisations"),
        Permission.READ,
    ),
    ("reports.gaps", _l("Gaps"), _l("every requirement that is not covered"), Permission.READ),
    (
        "mitigations.index",
        _l("Mitigations"),
        _l("the measures planned for gaps"),
        Permission.READ,
    ),
    ("reports.matrix", _l("Coverage matrix"), _l("services × competences"), Permission.READ),
    (
        "suppliers.index",
        _l("Supplier register"),
        _l("providers, contracts, owners and coverage"),
        Permission.READ,
    ),
    ("reports.whatif", _l("What-if"), _l("the impact of departures"), Permission.READ),
    ("trend.index", _l("Trend"), _l("coverage over time"), Permission.READ),
    (
        "services.index",
        _l("Services"),
        _l("outsourced services and their providers"),
        Permission.READ,
    ),
    ("competences.index", _l("Competences"), _l("the catalogue and frameworks"), Permission.READ),
    ("people.index", _l("People"), _l("staff, their competences and assignments"), Permission.READ),
    ("transfer.index", _l("Import and export"), _l("the CSV interchange files"), Permission.READ),
    ("audit.index", _l("Audit log"), _l("every change, verifiable"), Permission.AUDIT),
    (
        "attestations.index",
        _l("Attestations"),
        _l("frozen gap reports, signed and verifiable"),
        Permission.AUDIT,
    ),
    ("users.index", _l("Users"), _l("login accounts and roles"), Permission.MANAGE_USERS),
    ("privacy.index", _l("Privacy"), _l("anonymise people who left"), Permission.MANAGE_PRIVACY),
    (
        "tokens.index",
        _l("API tokens"),
        _l("access for the HR system and scripts"),
        Permission.MANAGE_USERS,
    ),
)
# Areas for the members of the region only, in a registry of several organisations.
REGION_AREAS = frozenset({"region.index"})
# Pages whose menu area is not their blueprint's: a mitigation's form is the mitigations
# feature's page, but lives under a service's address (/services/<code>/requirements/…) and is
# reached from its dossier, so the menu shows Services as the current area there.
NAVIGATION_AREAS = {
    "mitigations.new": "services.index",
    "mitigations.edit": "services.index",
}


# Labels for stored codes; templates call label('status', row.status) and the like.
LABELS: dict[str, dict] = {
    "gap_status": {
        "unassigned": _l("unassigned"),
        "leaving": _l("leaving"),
        "undercovered": _l("undercovered"),
        "covered": _l("covered"),
    },
    "criticality": {
        "low": _l("low"),
        "medium": _l("medium"),
        "high": _l("high"),
        "critical": _l("critical"),
    },
    "service_status": {"planned": _l("planned"), "active": _l("active"), "retired": _l("retired")},
    "provider_kind": {
        "cooperative": _l("cooperative"),
        "shared_service_centre": _l("shared service centre"),
        "supplier": _l("supplier"),
        "internal": _l("internal"),
    },
    "mitigation_kind": {
        "training": _l("training"),
        "knowledge_transfer": _l("knowledge transfer"),
        "hire": _l("hire"),
        "provider_agreement": _l("agreement with provider"),
        "accept_risk": _l("accept risk"),
    },
    "mitigation_status": {
        "open": _l("open"),
        "in_progress": _l("in progress"),
        "done": _l("done"),
        "cancelled": _l("cancelled"),
    },
    "level": {
        1: _l("1 aware"),
        2: _l("2 knowledgeable"),
        3: _l("3 competent"),
        4: _l("4 expert"),
        5: _l("5 authority"),
    },
}
# The NL Design System status badge variant for each gap status (text is always shown too).
STATUS_BADGE = {
    "unassigned": "danger",
    "leaving": "danger",
    "undercovered": "warning",
    "covered": "success",
}


def label(kind: str, code) -> str:
    """The translated label of a stored code; unknown codes are shown as they are."""
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))


def choices(kind: str):
    """(code, label) pairs for a select field, in the table's order."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(code, text) for code, text in LABELS[kind].items()]


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
        if endpoint not in current_app.view_functions:
            continue
        if not (
            sees_region(permission) if endpoint in REGION_AREAS else current_user.can(permission)
        ):
            continue
        blueprint = endpoint.split(".")[0]
        area = NAVIGATION_AREAS.get(request.endpoint or "")
        current = (
            request.endpoint == endpoint
            or area == endpoint
            or (
                area is None
                and endpoint != "main.home"
                and request.blueprint == blueprint
                and blueprint not in ("reports",)
            )
        )
        items.append(NavItem(url_for(endpoint), label, hint, current, endpoint == "main.home"))
    return items


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def compact(mapping: dict) -> dict:
    """Drop None values, so optional HTML attributes are left out."""
    return {key: value for key, value in mapping.items() if value is not None}


def init_app(app) -> None:
    app.jinja_env.globals.update(
        navigation=navigation,
        role_label=role_label,
        label=label,
        status_badge=STATUS_BADGE,
    )
    app.jinja_env.filters["compact"] = compact
