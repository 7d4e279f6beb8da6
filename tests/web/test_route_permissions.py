"""Every URL rule × method × role: the exact status, from one table.

The table below names, for every route and method, the roles that may use it and the status
an allowed role gets for a plain request (GET, or a POST with an empty form). Everyone else
gets 403 (anonymous visitors: a redirect to the login page), and a refused request changes
nothing. Adding a route without adding it here makes `test_every_route_is_in_the_table` fail.
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEvent, AuditHead, Base, Mitigation
from tests import factories
from tests.conftest import login

ALL = ("admin", "editor", "manager", "auditor")
EDIT = ("admin", "editor")
MITIGATE = ("admin", "editor", "manager")
AUDIT = ("admin", "auditor")
ADMIN = ("admin",)
PUBLIC = "public"

# (endpoint, method) → (roles allowed, status for an allowed role)
ROUTES = {
    ("main.home", "GET"): (ALL, 200),
    ("static", "GET"): (PUBLIC, 200),
    ("auth.login", "GET"): (PUBLIC, 302),  # a logged-in visitor is sent on
    ("auth.login", "POST"): (PUBLIC, 200),  # an empty form is shown again
    ("auth.logout", "POST"): (ALL, 302),
    ("auth.set_language", "POST"): (PUBLIC, 302),
    ("auth.change_password", "GET"): (ALL, 200),
    ("auth.change_password", "POST"): (ALL, 200),
    # reports and dossiers: everyone reads
    ("reports.dashboard", "GET"): (ALL, 200),
    ("reports.gaps", "GET"): (ALL, 200),
    ("reports.gaps_export", "GET"): (ALL, 200),
    ("reports.matrix", "GET"): (ALL, 200),
    ("reports.skills", "GET"): (ALL, 200),
    ("reports.whatif", "GET"): (ALL, 200),
    ("dossiers.service", "GET"): (ALL, 200),
    ("dossiers.competence", "GET"): (ALL, 200),
    ("dossiers.person", "GET"): (ALL, 200),
    # catalogue
    ("services.index", "GET"): (ALL, 200),
    ("services.providers", "GET"): (ALL, 200),
    ("services.mitigations", "GET"): (ALL, 200),
    ("services.new", "GET"): (EDIT, 200),
    ("services.new", "POST"): (EDIT, 200),
    ("services.edit", "GET"): (EDIT, 200),
    ("services.edit", "POST"): (EDIT, 200),
    ("services.retire", "GET"): (EDIT, 200),
    ("services.retire", "POST"): (EDIT, 409),  # no version in the form: a conflict
    ("services.delete", "GET"): (ADMIN, 200),
    ("services.delete", "POST"): (ADMIN, 409),
    ("services.new_provider", "GET"): (EDIT, 200),
    ("services.new_provider", "POST"): (EDIT, 200),
    ("services.edit_provider", "GET"): (EDIT, 200),
    ("services.edit_provider", "POST"): (EDIT, 200),
    ("services.delete_provider", "GET"): (ADMIN, 200),
    ("services.delete_provider", "POST"): (ADMIN, 409),
    ("services.new_requirement", "GET"): (EDIT, 200),
    ("services.new_requirement", "POST"): (EDIT, 200),
    ("services.edit_requirement", "GET"): (EDIT, 200),
    ("services.edit_requirement", "POST"): (EDIT, 200),
    ("services.delete_requirement", "GET"): (EDIT, 200),
    ("services.delete_requirement", "POST"): (EDIT, 409),
    ("services.new_mitigation", "GET"): (MITIGATE, 200),
    ("services.new_mitigation", "POST"): (MITIGATE, 200),
    ("services.edit_mitigation", "GET"): (MITIGATE, 200),
    ("services.edit_mitigation", "POST"): (MITIGATE, 200),
    ("competences.index", "GET"): (ALL, 200),
    ("competences.frameworks", "GET"): (ALL, 200),
    ("competences.new", "GET"): (EDIT, 200),
    ("competences.new", "POST"): (EDIT, 200),
    ("competences.edit", "GET"): (EDIT, 200),
    ("competences.edit", "POST"): (EDIT, 200),
    ("competences.retire", "GET"): (EDIT, 200),
    ("competences.retire", "POST"): (EDIT, 409),
    ("competences.delete", "GET"): (ADMIN, 200),
    ("competences.delete", "POST"): (ADMIN, 409),
    ("competences.new_framework", "GET"): (EDIT, 200),
    ("competences.new_framework", "POST"): (EDIT, 200),
    ("competences.edit_framework", "GET"): (EDIT, 200),
    ("competences.edit_framework", "POST"): (EDIT, 200),
    ("competences.delete_framework", "GET"): (ADMIN, 200),
    ("competences.delete_framework", "POST"): (ADMIN, 409),
    # people
    ("people.index", "GET"): (ALL, 200),
    ("people.org_units", "GET"): (ALL, 200),
    ("people.new", "GET"): (EDIT, 200),
    ("people.new", "POST"): (EDIT, 200),
    ("people.edit", "GET"): (EDIT, 200),
    ("people.edit", "POST"): (EDIT, 200),
    ("people.departure", "GET"): (EDIT, 200),
    ("people.departure", "POST"): (EDIT, 200),
    ("people.withdraw_departure", "POST"): (EDIT, 409),
    ("people.delete", "GET"): (ADMIN, 200),
    ("people.delete", "POST"): (ADMIN, 200),  # refused: still has assignments,
    ("people.assignment_new", "GET"): (EDIT, 200),
    ("people.assignment_new", "POST"): (EDIT, 200),
    ("people.assignment_edit", "GET"): (EDIT, 200),
    ("people.assignment_edit", "POST"): (EDIT, 409),
    ("people.assignment_end", "GET"): (EDIT, 200),
    ("people.assignment_end", "POST"): (EDIT, 409),
    ("people.assignment_delete", "GET"): (EDIT, 200),
    ("people.assignment_delete", "POST"): (EDIT, 409),
    ("people.holding_new", "GET"): (EDIT, 200),
    ("people.holding_new", "POST"): (EDIT, 200),
    ("people.holding_edit", "GET"): (EDIT, 200),
    ("people.holding_edit", "POST"): (EDIT, 200),
    ("people.holding_delete", "GET"): (EDIT, 200),
    ("people.holding_delete", "POST"): (EDIT, 409),
    ("people.org_unit_new", "GET"): (EDIT, 200),
    ("people.org_unit_new", "POST"): (EDIT, 200),
    ("people.org_unit_edit", "GET"): (EDIT, 200),
    ("people.org_unit_edit", "POST"): (EDIT, 200),
    ("people.org_unit_delete", "GET"): (EDIT, 200),
    ("people.org_unit_delete", "POST"): (EDIT, 200),  # refused: still in use,
    # users: administrators only
    ("users.index", "GET"): (ADMIN, 200),
    ("users.review", "GET"): (ADMIN, 200),
    ("users.review_csv", "GET"): (ADMIN, 200),
    ("users.new", "GET"): (ADMIN, 200),
    ("users.new", "POST"): (ADMIN, 200),
    ("users.edit", "GET"): (ADMIN, 200),
    ("users.edit", "POST"): (ADMIN, 200),
    ("users.reset_password", "GET"): (ADMIN, 200),
    ("users.reset_password", "POST"): (ADMIN, 409),
    ("users.deactivate", "POST"): (ADMIN, 409),
    ("users.reactivate", "POST"): (ADMIN, 409),
    # audit log: administrators and auditors
    ("audit.index", "GET"): (AUDIT, 200),
    ("audit.export", "GET"): (AUDIT, 200),
    ("audit.verify", "GET"): (AUDIT, 200),
    ("audit.verify", "POST"): (AUDIT, 200),
    # import and export
    ("transfer.index", "GET"): (ALL, 200),
    ("transfer.export", "GET"): (ALL, 200),
    ("transfer.upload", "POST"): (EDIT, 200),
    ("transfer.preview", "GET"): (EDIT, 302),  # an unknown or expired upload: back
    ("transfer.apply", "POST"): (EDIT, 302),  # nothing to apply: back,
    ("transfer.status", "GET"): (EDIT, 302),  # an unknown job: back
    ("transfer.export_xlsx", "GET"): (ALL, 200),
}


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(app):
    """One record of every kind, so every URL can name a real id."""
    provider = factories.make_provider()
    framework = factories.make_framework()
    competence = factories.make_competence(framework=framework)
    unit = factories.make_org_unit()
    person = factories.make_person(org_unit=unit)
    service = factories.make_service(provider=provider, owner=person)
    requirement = factories.make_requirement(service=service, competence=competence)
    assignment = factories.make_assignment(person=person, service=service)
    holding = factories.make_holding(person=person, competence=competence)
    mitigation = Mitigation(requirement=requirement, kind="training", due_on=date(2027, 1, 1))
    db.session.add(mitigation)
    target = factories.make_user(role="editor")
    db.session.commit()
    return {
        "service": service.code,
        "competence": competence.code,
        "employee_number": person.employee_number,
        "fid": framework.id,
        "pid": provider.id,
        "rid": requirement.id,
        "mid": mitigation.id,
        "assignment_id": assignment.id,
        "holding_id": holding.id,
        "unit_id": unit.id,
        "user_id": target.id,
        "token": "0" * 32,
        "fmt": "csv",
        "filename": "css/app.css",
    }


def _url(rule, world) -> str:
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = (
                world["competence"]
                if rule.endpoint.startswith(("competences.", "dossiers.competence"))
                else world["service"]
            )
        else:
            values[name] = world[name]
    return rule.build(values, append_unknown=False)[1]


def _fingerprint():
    """Row counts and version sums of every table but the audit log (403s are audited)."""
    result = {}
    for table in Base.metadata.sorted_tables:
        if table.name in (AuditEvent.__tablename__, AuditHead.__tablename__):
            continue
        columns = [func.count()]
        if "version" in table.c:
            columns.append(func.coalesce(func.sum(table.c.version), 0))
        result[table.name] = tuple(db.session.execute(select(*columns).select_from(table)).one())
    return result


def test_every_route_is_in_the_table(app):
    routes = {(rule.endpoint, method) for rule, method in _rules(app)}
    assert routes - ROUTES.keys() == set(), "routes without an entry in ROUTES"
    assert ROUTES.keys() - routes == set(), "entries in ROUTES without a route"


@pytest.mark.parametrize("role", ["anonymous", *ALL])
def test_every_route_for_every_role(app, users, world, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, users[role])
    failures = []
    for rule, method in sorted(_rules(app), key=lambda rm: (rm[0].endpoint, rm[1])):
        allowed, status = ROUTES[(rule.endpoint, method)]
        if rule.endpoint in ("auth.logout", "auth.change_password") and role != "anonymous":
            continue  # these end or change the session; tested on their own below
        url = _url(rule, world)
        if role == "anonymous":
            expected = status if allowed == PUBLIC else 302
            if (rule.endpoint, method) == ("auth.login", "GET"):
                expected = 200
        elif allowed == PUBLIC or role in allowed:
            expected = status
        else:
            expected = 403
        before = _fingerprint() if expected in (302, 403) and method == "POST" else None
        response = client.open(url, method=method, data={})
        if response.status_code != expected:
            failures.append(
                f"{method} {url} ({rule.endpoint}): {response.status_code}, expected {expected}"
            )
        if role == "anonymous" and expected == 302 and allowed != PUBLIC:
            assert "/login" in response.headers["Location"]
        if before is not None and expected == 403 and before != _fingerprint():
            failures.append(f"{method} {url}: a refused request changed data")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ALL)
def test_session_routes_for_every_role(app, users, role):
    client = app.test_client()
    login(client, users[role])
    assert client.get("/account/password").status_code == 200
    assert client.post("/account/password", data={}).status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
