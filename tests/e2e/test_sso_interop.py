"""Single sign-on in a real browser against an independent provider (pyop over HTTPS with a
test CA, tests/pyop_provider.py), with the registry's Content-Security-Policy in force.

Configured as a municipality's IT department would: the settings come from the environment
(a client id of digits included), the provider's CA from OIDC_CA_BUNDLE. Chromium ignores the
test CA's certificate errors (its trust store is not ours to change); the registry verifies it.
"""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.core.database import sqlite_immediate
from registry.core.extensions import db
from tests.pyop_provider import PyopProvider
from tests.support import empty_database

pytestmark = pytest.mark.e2e

CLIENT_ID = "12345"  # digits: a setting that is text must stay text
CLIENT_SECRET = "2024"


@pytest.fixture
def op(tmp_path):
    provider = PyopProvider(tmp_path)
    stop = provider.serve()
    yield provider
    stop()


@pytest.fixture
def app(make_app, op, monkeypatch):
    """The registry with single sign-on at `op`, CSRF on, settings from the environment."""
    for name, value in {
        "OIDC_DISCOVERY_URL": op.issuer + "/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_CA_BUNDLE": op.ca_bundle,
        "OIDC_PROVIDER_NAME": "pyop",
        "OIDC_ROLE_MAP": '{"kb-managers": "manager", "kb-editors": "editor"}',
    }.items():
        monkeypatch.setenv("REGISTRY_" + name, value)
    sqlite_immediate.set(False)
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_database()
        db.session.remove()


@pytest.fixture
def registry(live_server, op):
    op.register_client(
        CLIENT_ID, CLIENT_SECRET, live_server + "/login/sso/callback", live_server + "/login"
    )
    return live_server


@pytest.fixture
def browser_page(context_factory):
    return context_factory(ignore_https_errors=True).new_page()


def refusals() -> list[dict]:
    db.session.rollback()
    found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_refused"))
    return [json.loads(event.after or "{}") for event in found]


def test_a_manager_signs_in_through_the_provider_and_signs_out_again(registry, op, browser_page):
    page = browser_page
    op.groups = ["kb-managers"]
    page.goto(registry + "/login")
    policy = page.context.request.get(registry + "/login").headers["content-security-policy"]
    assert f"form-action 'self' {op.issuer}" in policy
    page.get_by_role("button", name="Inloggen met pyop").click()
    page.wait_for_url(registry + "/")
    # Name and e-mail came from the provider's user info, the role from the ID token's groups.
    expect(page.locator(".kb-user")).to_contain_text("Anna Manager")
    expect(page.locator(".kb-role")).to_contain_text("manager", ignore_case=True)
    db.session.rollback()
    user = db.session.scalars(select(User).where(User.email == "anna.manager@gemeente.example"))
    assert user.one().role == "manager"

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(registry + "/login*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")
    [logout] = op.logouts
    assert logout["id_token_hint"] and logout["post_logout_redirect_uri"] == registry + "/login"
    page.goto(registry + "/reports/")
    page.wait_for_url(registry + "/login*")  # the session has ended here too


def test_an_id_token_for_another_nonce_shows_the_refusal_page(registry, op, browser_page):
    page = browser_page
    op.groups = ["kb-managers"]
    op.wrong_nonce = True
    page.goto(registry + "/login")
    page.get_by_role("button", name="Inloggen met pyop").click()
    page.wait_for_url(registry + "/login/sso/callback*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen geweigerd")
    expect(page.locator("[data-refusal]")).to_contain_text("niet worden vertrouwd")
    [refusal] = refusals()
    assert refusal["reason"] == "token_invalid" and "nonce" in refusal["detail"]
    page.goto(registry + "/reports/")
    page.wait_for_url(registry + "/login*")
