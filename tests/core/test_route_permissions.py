"""Every URL rule × method × role: the exact status, from one table.

The table below names, for every route and method, the roles that may use it and the status
an allowed role gets for a plain request (GET, or a POST with an empty form). Everyone else
gets 403 (anonymous visitors: a redirect to the login page), and a refused request changes
nothing. Adding a route without adding it here makes `test_every_route_is_in_the_table` fail.
"""

from datetime import date

import pytest

from registry.audit.services import attestations, audit
from registry.core.extensions import db
from registry.organisations import services as organisations
from tests import factories
from tests.support import PASSWORD, fingerprint, is_api_rule, login

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
    ("health.healthz", "GET"): (PUBLIC, 200),
    ("health.readyz", "GET"): (PUBLIC, 200),
    # privacy (AVG): admins only
    ("privacy.index", "GET"): (ADMIN, 200),
    ("privacy.anonymise", "POST"): (ADMIN, 302),  # an empty form: back to the dry run
    ("privacy.export", "GET"): (ADMIN, 200),
    ("auth.login", "GET"): (PUBLIC, 302),  # a logged-in visitor is sent on
    ("auth.login", "POST"): (PUBLIC, 200),  # an empty form is shown again
    ("auth.logout", "POST"): (ALL, 302),
    ("auth.set_language", "POST"): (PUBLIC, 302),
    # the organisation switch: no organisation chosen (or one the user is no member of): 404
    ("organisations.switch", "POST"): (ALL, 404),
    ("auth.change_password", "GET"): (ALL, 200),
    ("auth.change_password", "POST"): (ALL, 200),
    # two-factor authentication and single sign-on (off here: 404)
    ("auth.two_factor.code", "GET"): (PUBLIC, 302),  # no password step pending: to login
    ("auth.two_factor.code", "POST"): (PUBLIC, 302),
    ("auth.two_factor.enrol", "GET"): (ALL, 200),  # enrolled accounts: tested on their own
    ("auth.two_factor.enrol", "POST"): (ALL, 200),  # no code: the form again
    ("auth.two_factor.settings", "GET"): (ALL, 200),
    ("auth.two_factor.change", "POST"): (ALL, 400),  # no valid code
    ("auth.sso.start", "POST"): (PUBLIC, 404),
    ("auth.sso.callback", "GET"): (PUBLIC, 404),
    ("digests.subscription", "POST"): (ALL, 302),
    # reports and dossiers: everyone reads
    ("reports.dashboard", "GET"): (ALL, 200),
    ("reports.gaps", "GET"): (ALL, 200),
    ("reports.gaps_export", "GET"): (ALL, 200),
    ("reports.matrix", "GET"): (ALL, 200),
    ("reports.skills", "GET"): (ALL, 200),
    ("reports.whatif", "GET"): (ALL, 200),
    # the region view: only in a registry of several organisations, for its region members;
    # here (one organisation) it does not exist for anyone
    ("region.index", "GET"): (ALL, 404),
    ("region.export", "GET"): (ALL, 404),
    ("suppliers.index", "GET"): (ALL, 200),
    ("suppliers.export", "GET"): (ALL, 200),
    ("dossiers.service", "GET"): (ALL, 200),
    ("dossiers.competence", "GET"): (ALL, 200),
    ("dossiers.person", "GET"): (ALL, 200),
    # mitigations (their forms under /services/<code>/requirements/<rid>/mitigations/)
    ("mitigations.index", "GET"): (ALL, 200),
    ("mitigations.moved_list", "GET"): (ALL, 301),  # /services/mitigations: to mitigations.index
    ("mitigations.new", "GET"): (MITIGATE, 200),
    ("mitigations.new", "POST"): (MITIGATE, 200),
    ("mitigations.edit", "GET"): (MITIGATE, 200),
    ("mitigations.edit", "POST"): (MITIGATE, 200),
    # catalogue
    ("services.index", "GET"): (ALL, 200),
    ("services.providers", "GET"): (ALL, 200),
    ("mywork.index", "GET"): (ALL, 200),
    ("trend.index", "GET"): (ALL, 200),
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
    ("people.delete", "POST"): (ADMIN, 409),  # no version: refused as stale
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
    ("people.org_unit_delete", "POST"): (EDIT, 409),  # no version: refused as stale
    # users: administrators only
    ("users.index", "GET"): (ADMIN, 200),
    ("users.review", "GET"): (AUDIT, 200),  # auditors read the access review (BIO 5.18)
    ("users.review_csv", "GET"): (AUDIT, 200),
    ("users.new", "GET"): (ADMIN, 200),
    ("users.new", "POST"): (ADMIN, 200),
    ("users.edit", "GET"): (ADMIN, 200),
    ("users.edit", "POST"): (ADMIN, 200),
    ("users.reset_password", "GET"): (ADMIN, 200),
    ("users.reset_password", "POST"): (ADMIN, 409),
    ("users.deactivate", "POST"): (ADMIN, 409),
    ("users.reset_two_factor", "POST"): (ADMIN, 409),
    ("users.reactivate", "POST"): (ADMIN, 409),
    # memberships: a registry of several organisations only (one here: 404)
    ("users.add_membership", "POST"): (ADMIN, 404),
    ("users.remove_membership", "POST"): (ADMIN, 404),
    # audit log: administrators and auditors
    ("audit.index", "GET"): (AUDIT, 200),
    ("audit.export", "GET"): (AUDIT, 200),
    ("audit.export_jsonl", "GET"): (AUDIT, 200),
    ("audit.verify", "GET"): (AUDIT, 200),
    ("audit.verify", "POST"): (AUDIT, 200),
    # attestations: administrators and auditors; no edit or delete route exists
    ("attestations.index", "GET"): (AUDIT, 200),
    ("attestations.new", "GET"): (AUDIT, 200),
    ("attestations.new", "POST"): (AUDIT, 200),  # an empty form is shown again
    ("attestations.show", "GET"): (AUDIT, 200),
    ("attestations.bundle", "GET"): (AUDIT, 200),
    # the peildatum: back to today
    ("peildatum.reset", "POST"): (ALL, 302),
    # import and export
    ("transfer.index", "GET"): (ALL, 200),
    ("transfer.export", "GET"): (ALL, 200),
    ("transfer.upload", "POST"): (EDIT, 200),
    ("transfer.preview", "GET"): (EDIT, 302),  # an unknown or expired upload: back
    ("transfer.apply", "POST"): (EDIT, 302),  # nothing to apply: back,
    # the API's reference page and document; the API itself: tests/core/test_api_permissions.py
    ("api_docs.reference", "GET"): (ALL, 200),
    ("api-docs.openapi_json", "GET"): (PUBLIC, 200),
    ("tokens.index", "GET"): (ADMIN, 200),
    ("tokens.create", "POST"): (ADMIN, 200),  # an empty form is shown again
    ("tokens.revoke", "POST"): (ADMIN, 302),
    ("transfer.status", "GET"): (EDIT, 302),  # an unknown job: back
    ("transfer.export_xlsx", "GET"): (ALL, 200),
    ("transfer.export_start", "POST"): (ALL, 303),  # no format chosen: back to the page
    ("transfer.export_status", "GET"): (ALL, 302),  # an unknown export: back
    ("transfer.export_download", "GET"): (ALL, 302),
}


# Routes that end or change the session, or answer by the account's own state.
SESSION_ROUTES = ("auth.logout", "auth.change_password", "auth.two_factor.enrol")


def _rules(app):

    for rule in app.url_map.iter_rules():
        if is_api_rule(rule):
            continue  # token-authenticated: its own table in tests/api
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(app):
    """One record of every kind, so every URL can name a real id."""
    one = factories.make_one_of_each()
    provider, framework, competence = one["provider"], one["framework"], one["competence"]
    unit, person, service = one["unit"], one["person"], one["service"]
    requirement, mitigation = one["requirement"], one["mitigation"]
    assignment, holding = one["assignment"], one["holding"]
    target = factories.make_user(role="editor")
    attester = factories.make_user(role="auditor")
    attestation = attestations.create(
        audit.Actor.system(), attester, date(2025, 6, 30), 90, "Vastgesteld."
    )
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
        "attestation_id": attestation.id,
        "token": "0" * 32,
        "token_id": _api_token(target),
        "fmt": "csv",
        "part": "coverage",
        "filename": "css/app.css",
    }


def _api_token(user) -> int:
    from registry.accounts.services import tokens
    from registry.audit.services import audit

    return tokens.create_token(audit.Actor.system("test"), user, "read", 1)[0].id


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
        if rule.endpoint in SESSION_ROUTES and role != "anonymous":
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
        before = fingerprint() if expected in (302, 403) and method == "POST" else None
        response = client.open(url, method=method, data={})
        if response.status_code != expected:
            failures.append(
                f"{method} {url} ({rule.endpoint}): {response.status_code}, expected {expected}"
            )
        if role == "anonymous" and expected == 302 and allowed != PUBLIC:
            assert "/login" in response.headers["Location"]
        if before is not None and expected == 403 and before != fingerprint():
            failures.append(f"{method} {url}: a refused request changed data")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ALL)
def test_session_routes_for_every_role(app, users, role):
    client = app.test_client()
    login(client, users[role])
    assert client.get("/account/password").status_code == 200
    assert client.post("/account/password", data={}).status_code == 200
    # Enrolment: the factories' administrators have two-factor on, the others may enrol.
    enrolled = users[role].two_factor_enabled
    assert client.get("/two-factor/enrol").status_code == (302 if enrolled else 200)
    assert client.post("/two-factor/enrol", data={}).status_code == (302 if enrolled else 200)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


# The organisation dimension: the world above is organisation A's (the registry's first). A
# member of another organisation B, in any role, meets A's records as if they did not exist.
OWNED_ARGUMENTS = {
    "employee_number",
    "rid",
    "mid",
    "assignment_id",
    "holding_id",
    "unit_id",
    "user_id",
    "attestation_id",
    "token_id",
}


def _names_a_record_of_a(rule) -> bool:
    arguments = set(rule.arguments)
    if "code" in arguments and not rule.endpoint.startswith(
        ("competences.", "dossiers.competence")
    ):
        return True  # a service code
    return bool(arguments & OWNED_ARGUMENTS)


@pytest.mark.parametrize("role", ALL)
def test_every_route_for_a_member_of_another_organisation(app, users, world, role):
    member = factories.make_user(role=role, email=f"{role}@b.example", password=PASSWORD)
    member.memberships.clear()
    other = organisations.create(audit.Actor.system(), "GM0002", "Gemeente B")
    db.session.flush()
    organisations.grant(audit.Actor.system(), member, other, role)
    db.session.commit()
    client = app.test_client()
    login(client, member)
    failures = []
    for rule, method in sorted(_rules(app), key=lambda rm: (rm[0].endpoint, rm[1])):
        allowed, status = ROUTES[(rule.endpoint, method)]
        if rule.endpoint in SESSION_ROUTES or allowed == PUBLIC:
            continue
        view = app.view_functions[rule.endpoint]
        if role not in allowed or getattr(view, "region_role", False):
            # Refused before any record is looked up, so nothing is confirmed; the shared
            # catalogue is changed with a role in the whole region only.
            expected = 403
        elif _names_a_record_of_a(rule):
            expected = 404
        else:
            expected = status
        before = fingerprint() if method == "POST" else None
        url = _url(rule, world)
        response = client.open(url, method=method, data={})
        if response.status_code != expected:
            failures.append(
                f"{method} {url} ({rule.endpoint}): {response.status_code}, expected {expected}"
            )
        if before is not None and expected in (403, 404) and before != fingerprint():
            failures.append(f"{method} {url}: a refused request changed data")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ALL)
def test_a_user_without_any_membership_reaches_nothing(app, users, world, role):
    nobody = factories.make_user(role=role, email=f"{role}@nowhere.example", password=PASSWORD)
    nobody.memberships.clear()
    organisations.create(audit.Actor.system(), "GM0002", "Gemeente B")
    db.session.commit()
    client = app.test_client()
    login(client, nobody)
    failures = []
    for rule, method in sorted(_rules(app), key=lambda rm: (rm[0].endpoint, rm[1])):
        allowed, _status = ROUTES[(rule.endpoint, method)]
        if rule.endpoint in SESSION_ROUTES or allowed in (PUBLIC, ALL):
            continue
        response = client.open(_url(rule, world), method=method, data={})
        if response.status_code not in (403, 404):
            failures.append(f"{method} {rule.endpoint}: {response.status_code}")
    assert not failures, "\n".join(failures)
