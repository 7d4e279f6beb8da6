"""Every API route × method × role × token scope: the exact status, from one table.

The role table of DESIGN.md holds for the API exactly as for the HTML pages
(tests/core/test_route_permissions.py): the table below names, for every API route and method,
the roles that may use it and the status an allowed role gets for a plain request (GET, or a
write with an empty JSON body and no If-Match). Everyone else gets 403 and nothing changes; a
read-scope token gets 403 on every write whatever its role; no token (or only a session
cookie) gets 401. A route missing from the table fails `test_every_api_route_is_in_the_table`.
"""

import pytest

from registry.core.extensions import db
from tests import factories
from tests.support import fingerprint, is_api_rule, login, make_token

ALL = ("admin", "editor", "manager", "auditor")
EDIT = ("admin", "editor")
MITIGATE = ("admin", "editor", "manager")
ADMIN = ("admin",)

# (endpoint, method) → (roles allowed, status for an allowed role's plain request)
API_ROUTES = {
    ("api_me.whoami", "GET"): (ALL, 200),
    ("api_gaps.gap_report", "GET"): (ALL, 200),
    ("api_forecast.forecast_report", "GET"): (ALL, 200),
    ("api_sync.people", "POST"): (EDIT, 422),
    ("api_sync.assignments", "POST"): (EDIT, 422),
    ("api_sync.holdings", "POST"): (EDIT, 422),
}
for _area, _key, _delete in (
    ("providers", "provider", ADMIN),
    ("frameworks", "framework", ADMIN),
    ("competences", "competence", ADMIN),
    ("services", "service", ADMIN),
    ("requirements", "requirement", EDIT),
    ("org_units", "org_unit", EDIT),
    ("people", "person", ADMIN),
    ("assignments", "assignment", EDIT),
    ("holdings", "holding", EDIT),
):
    _plural = "people" if _area == "people" else _area
    API_ROUTES[(f"api_{_area}.list_{_plural}", "GET")] = (ALL, 200)
    API_ROUTES[(f"api_{_area}.get_{_key}", "GET")] = (ALL, 200)
    API_ROUTES[(f"api_{_area}.create_{_key}", "POST")] = (EDIT, 422)
    API_ROUTES[(f"api_{_area}.update_{_key}", "PUT")] = (EDIT, 422)
    API_ROUTES[(f"api_{_area}.delete_{_key}", "DELETE")] = (_delete, 428)
API_ROUTES.update(
    {
        ("api_mitigations.list_mitigations", "GET"): (ALL, 200),
        ("api_mitigations.get_mitigation", "GET"): (ALL, 200),
        ("api_mitigations.create_mitigation", "POST"): (MITIGATE, 422),
        ("api_mitigations.update_mitigation", "PUT"): (MITIGATE, 422),
        ("api_people.register_departure", "PUT"): (EDIT, 422),
        ("api_people.withdraw_departure", "DELETE"): (EDIT, 428),
        ("api_assignments.end_assignment", "POST"): (EDIT, 422),
        # every field of an assignment is optional: the empty body passes, If-Match is missing
        ("api_assignments.update_assignment", "PUT"): (EDIT, 428),
    }
)


def _rules(app):
    for rule in app.url_map.iter_rules():
        if is_api_rule(rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.fixture
def world(app):
    """One record of every kind, so every URL can name a real one."""
    one = factories.make_one_of_each()
    provider, framework, competence = one["provider"], one["framework"], one["competence"]
    unit, person, service = one["unit"], one["person"], one["service"]
    requirement, mitigation = one["requirement"], one["mitigation"]
    assignment, holding = one["assignment"], one["holding"]
    db.session.commit()
    return {
        "provider_id": provider.id,
        "framework_id": framework.id,
        "competence": competence.code,
        "service": service.code,
        "requirement_id": requirement.id,
        "mitigation_id": mitigation.id,
        "unit_id": unit.id,
        "employee_number": person.employee_number,
        "assignment_id": assignment.id,
        "holding_id": holding.id,
    }


def _url(rule, world) -> str:
    values = {}
    for name in rule.arguments:
        if name == "code":
            area = rule.endpoint.split(".")[0]
            values[name] = world["competence" if area == "api_competences" else "service"]
        else:
            values[name] = world[name]
    return rule.build(values, append_unknown=False)[1]


def _request(client, rule, method, world):
    kwargs = {} if method in ("GET", "DELETE") else {"json": {}}
    return client.open(_url(rule, world), method=method, **kwargs)


def test_every_api_route_is_in_the_table(app):
    routes = {(rule.endpoint, method) for rule, method in _rules(app)}
    assert routes - API_ROUTES.keys() == set(), "API routes without an entry in API_ROUTES"
    assert API_ROUTES.keys() - routes == set(), "entries in API_ROUTES without a route"


@pytest.mark.parametrize("scope", ["write", "read"])
@pytest.mark.parametrize("role", ALL)
def test_every_api_route_for_every_role(app, users, world, role, scope):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(users[role], scope)}"
    failures = []
    for rule, method in sorted(_rules(app), key=lambda rm: (rm[0].endpoint, rm[1])):
        allowed, status = API_ROUTES[(rule.endpoint, method)]
        permitted = role in allowed and (method == "GET" or scope == "write")
        expected = status if permitted else 403
        before = fingerprint() if expected == 403 else None
        response = _request(client, rule, method, world)
        if response.status_code != expected:
            failures.append(
                f"{method} {rule.rule} ({rule.endpoint}): {response.status_code}, "
                f"expected {expected}: {response.get_data(as_text=True)[:200]}"
            )
        elif response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        if before is not None and before != fingerprint():
            failures.append(f"{method} {rule.rule}: a refused request changed data")
    assert not failures, "\n".join(failures)


def test_no_token_and_a_session_cookie_alone_get_401(app, users, world):
    anonymous = app.test_client()
    session = app.test_client()
    login(session, users["admin"])
    for rule, method in _rules(app):
        for client in (anonymous, session):
            response = _request(client, rule, method, world)
            assert response.status_code == 401, f"{method} {rule.rule}"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
