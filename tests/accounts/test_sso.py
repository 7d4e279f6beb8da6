"""Single sign-on through a real OpenID Connect provider running in-process (tests/oidc_provider):
the whole authorisation-code flow with PKCE, accounts by role claim, refusals, logout."""

import json
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from tests import factories
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.support import PASSWORD

ROLE_MAP = {"kb-admins": "admin", "kb-editors": "editor", "kb-auditors": "auditor"}


@pytest.fixture
def provider():
    provider = Provider()
    stop = provider.serve()
    yield provider
    stop()


@pytest.fixture
def sso_app(app, make_app, provider):
    """An app with single sign-on at `provider` (the `app` fixture cleans the database)."""

    def build(**overrides):
        settings = {
            "OIDC_DISCOVERY_URL": provider.url + "/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_ROLE_MAP": ROLE_MAP,
            "OIDC_PROVIDER_NAME": "Keycloak",
        }
        return make_app(**(settings | overrides))

    return build


def claims(sub="u-1", email="anna@gemeente.example", groups=("kb-editors",), **extra):
    return {
        "sub": sub,
        "email": email,
        "email_verified": True,
        "name": "Anna de Vries",
        "groups": list(groups),
    } | extra


def sso_login(client, provider, person: dict, next_url: str = ""):
    """Walk the browser's part of the flow: our start → the provider → our callback."""
    provider.login_as = person
    response = client.post("/login/sso/", data={"next": next_url})
    assert response.status_code == 302
    authorize = response.headers["Location"]
    assert authorize.startswith(provider.url + "/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]
    at_provider = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def events(action):
    """The audit events of `action`, with before/after read as data."""
    db.session.rollback()
    found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    return [
        SimpleNamespace(
            actor_id=e.actor_id,
            entity_id=e.entity_id,
            result=e.result,
            before=json.loads(e.before or "{}"),
            after=json.loads(e.after or "{}"),
        )
        for e in found
    ]


def stored_user(email):
    db.session.rollback()
    return db.session.scalars(select(User).where(User.email == email)).one_or_none()


def test_login_through_the_provider_lands_a_user_with_the_mapped_role(sso_app, provider):
    client = sso_app().test_client()
    response = sso_login(client, provider, claims(groups=["kb-editors", "unrelated"]), "/people/")
    assert response.status_code == 302 and response.headers["Location"] == "/people/"
    home = client.get("/")
    assert home.status_code == 200 and "Anna de Vries" in home.get_data(as_text=True)
    user = stored_user("anna@gemeente.example")
    assert user.role == "editor" and not user.has_password
    assert (user.oidc_issuer, user.oidc_subject) == (provider.url, "u-1")
    # PKCE: our token request carried the verifier the provider checked against the challenge.
    assert provider.token_requests[-1]["code_verifier"]
    [created] = events("create")
    assert created.after["via"] == "sso"
    [login] = events("login")
    assert login.after["method"] == "oidc" and login.actor_id == user.id


def test_the_role_with_most_rights_wins_and_an_sso_admin_needs_no_local_code(sso_app, provider):
    client = sso_app().test_client()
    sso_login(client, provider, claims(groups=["kb-auditors", "kb-admins"]))
    assert stored_user("anna@gemeente.example").role == "admin"
    assert client.get("/users/").status_code == 200  # the provider answers for the factors


def test_a_nested_claim_can_carry_the_roles(sso_app, provider):
    client = sso_app(OIDC_ROLE_CLAIM="realm_access.roles").test_client()
    person = claims(groups=[]) | {"realm_access": {"roles": ["kb-auditors"]}}
    assert sso_login(client, provider, person).status_code == 302
    assert stored_user("anna@gemeente.example").role == "auditor"


def test_an_unmapped_user_is_refused_with_a_clear_page(sso_app, provider):
    client = sso_app().test_client()
    response = sso_login(client, provider, claims(groups=["somebody-else"]))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Inloggen geweigerd" in page and "geen rol in Kennisborg" in page
    assert stored_user("anna@gemeente.example") is None
    [refused] = events("login_refused")
    assert refused.after["reason"] == "no_role" and refused.result == "refused"
    assert refused.after["subject"] == "u-1"
    assert client.get("/").status_code == 302  # not logged in


def test_an_existing_account_is_linked_by_its_verified_email(sso_app, provider):
    local = factories.make_user(role="editor", email="Anna@Gemeente.example")
    db.session.commit()
    client = sso_app().test_client()
    sso_login(client, provider, claims(groups=["kb-auditors"]))
    user = stored_user("Anna@Gemeente.example")
    assert user.id == local.id and user.oidc_subject == "u-1"
    assert user.role == "auditor"  # the role follows the claim
    assert user.has_password  # the local password stays (for when SSO is off)
    [update] = events("update")
    assert update.before["role"] == "editor" and update.after["role"] == "auditor"


def test_an_unverified_email_does_not_take_over_an_account(sso_app, provider):
    factories.make_user(role="admin", email="anna@gemeente.example")
    db.session.commit()
    client = sso_app().test_client()
    response = sso_login(client, provider, claims(email_verified=False, groups=["kb-admins"]))
    assert response.status_code == 403
    assert "niet bevestigd" in response.get_data(as_text=True)
    assert stored_user("anna@gemeente.example").oidc_subject is None
    assert events("login_refused")[0].after["reason"] == "email_unverified"


def test_entra_style_provider_without_email_verified_can_be_trusted_by_setting(sso_app, provider):
    factories.make_user(role="editor", email="anna@gemeente.example")
    db.session.commit()
    client = sso_app(OIDC_REQUIRE_VERIFIED_EMAIL=False).test_client()
    person = claims(email=None, preferred_username="anna@gemeente.example")
    person.pop("email_verified")
    person.pop("email")
    assert sso_login(client, provider, person).status_code == 302
    assert stored_user("anna@gemeente.example").oidc_subject == "u-1"


def test_an_account_linked_to_another_identity_is_a_conflict(sso_app, provider):
    factories.make_user(
        role="editor", email="anna@gemeente.example", oidc_issuer="x", oidc_subject="other"
    )
    db.session.commit()
    client = sso_app().test_client()
    response = sso_login(client, provider, claims())
    assert response.status_code == 403
    assert events("login_refused")[0].after["reason"] == "email_conflict"


def test_a_deactivated_account_stays_out(sso_app, provider):
    client = sso_app().test_client()
    sso_login(client, provider, claims())
    user = stored_user("anna@gemeente.example")
    user.active = False
    db.session.commit()
    again = sso_app().test_client()
    assert sso_login(again, provider, claims()).status_code == 403
    assert events("login_refused")[0].after["reason"] == "deactivated"


def test_losing_the_group_at_the_provider_refuses_the_next_login(sso_app, provider):
    app = sso_app()
    assert sso_login(app.test_client(), provider, claims()).status_code == 302
    response = sso_login(app.test_client(), provider, claims(groups=[]))
    assert response.status_code == 403
    assert stored_user("anna@gemeente.example").role == "editor"  # unchanged, refused


def test_a_forged_callback_logs_nobody_in_and_writes_nothing(sso_app, provider):
    client = sso_app().test_client()
    response = client.get("/login/sso/callback?code=abc&state=forged")
    assert response.status_code == 403
    assert events("login_refused") == []
    # A started log-in whose state does not match is refused and audited.
    provider.login_as = claims()
    client.post("/login/sso/", data={})
    response = client.get("/login/sso/callback?code=abc&state=forged")
    assert response.status_code == 403
    assert events("login_refused")[0].after["reason"] == "provider_error"
    assert client.get("/").status_code == 302


def test_logout_ends_the_session_and_goes_to_the_providers_logout(sso_app, provider):
    client = sso_app().test_client()
    sso_login(client, provider, claims())
    response = client.post("/logout")
    location = response.headers["Location"]
    assert location.startswith(provider.url + "/logout?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    # The provider knows which session to end by the ID token it issued (OIDC RP logout).
    [id_token] = query["id_token_hint"]
    assert jwt.decode(id_token, provider.key).claims["sub"] == "u-1"
    assert client.get("/").status_code == 302


def test_a_password_session_logs_out_locally_only(sso_app, provider, users):
    from tests.support import login

    client = sso_app().test_client()
    login(client, users["editor"])
    assert client.post("/logout").headers["Location"] == "/login"


def test_local_passwords_can_be_switched_off(sso_app, provider, users):
    client = sso_app(LOCAL_LOGIN=False).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Inloggen met Keycloak" in page
    response = client.post("/login", data={"email": users["editor"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 302
    assert sso_login(client, provider, claims()).status_code == 302


def test_an_sso_account_has_no_password_to_use_or_change(sso_app, provider):
    app = sso_app()
    client = app.test_client()
    sso_login(client, provider, claims())
    assert client.get("/account/password").status_code == 200
    assert client.post("/account/password", data={"current": "x"}).status_code == 403
    other = app.test_client()
    response = other.post("/login", data={"email": "anna@gemeente.example", "password": "x" * 8})
    assert response.status_code == 401


def test_without_configuration_the_sso_routes_do_not_exist(client):
    assert client.post("/login/sso/").status_code == 404
    assert client.get("/login/sso/callback").status_code == 404
    assert "Keycloak" not in client.get("/login").get_data(as_text=True)


# --- what the provider may get wrong: every refusal is the refusal page and an audit event ---


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "not-the-nonce-we-sent"},
        {"iss": "https://another-provider.example"},
        {"aud": ["another-client"]},
        {"exp": int(time.time()) - 600},
        {"iat": int(time.time()) + 600, "exp": int(time.time()) + 900},
    ],
    ids=["nonce", "issuer", "audience", "expired", "issued-in-the-future"],
)
def test_an_id_token_that_fails_its_checks_is_refused_and_audited(sso_app, provider, changes):
    client = sso_app().test_client()
    provider.id_token_changes = changes
    response = sso_login(client, provider, claims())
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Inloggen geweigerd" in page and "niet worden vertrouwd" in page
    [refused] = events("login_refused")
    assert refused.after["reason"] == "token_invalid" and refused.result == "refused"
    assert stored_user("anna@gemeente.example") is None
    assert client.get("/").status_code == 302


def test_the_clock_tolerance_is_a_setting(sso_app, provider):
    """A provider whose clock runs 100 s ahead: within the default 120 s, beyond a 30 s one."""
    ahead = {"iat": int(time.time()) + 100, "exp": int(time.time()) + 400}
    provider.id_token_changes = ahead
    assert sso_login(sso_app().test_client(), provider, claims()).status_code == 302
    strict = sso_app(OIDC_CLOCK_TOLERANCE=30).test_client()
    assert sso_login(strict, provider, claims()).status_code == 403


def test_a_denial_at_the_provider_is_the_refusal_page(sso_app, provider):
    client = sso_app().test_client()
    provider.login_as = claims()
    start = client.post("/login/sso/", data={})
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    response = client.get(f"/login/sso/callback?error=access_denied&state={state}")
    assert response.status_code == 403
    [refused] = events("login_refused")
    assert refused.after["reason"] == "provider_error"
    assert "access_denied" in refused.after["detail"]


def test_email_and_name_sent_only_in_the_user_info_are_used(sso_app, provider):
    client = sso_app().test_client()
    provider.id_token_omits = {"email", "email_verified", "name"}
    assert sso_login(client, provider, claims()).status_code == 302
    user = stored_user("anna@gemeente.example")
    assert user.name == "Anna de Vries" and user.role == "editor"


def test_the_id_token_wins_over_the_user_info(sso_app, provider):
    """The user info completes the signed ID token; it does not overrule it."""
    client = sso_app().test_client()
    provider.id_token_changes = {"groups": ["kb-auditors"]}
    assert sso_login(client, provider, claims(groups=["kb-admins"])).status_code == 302
    assert stored_user("anna@gemeente.example").role == "auditor"


def test_a_failing_user_info_is_logged_and_explained(sso_app, provider, caplog):
    client = sso_app().test_client()
    provider.id_token_omits = {"email", "email_verified", "name"}
    provider.userinfo_fails = True
    response = sso_login(client, provider, claims())
    assert response.status_code == 403
    assert "niet worden gelezen" in response.get_data(as_text=True)
    [refused] = events("login_refused")
    assert refused.after["reason"] == "userinfo_failed"
    assert any("user info could not be read" in r.getMessage() for r in caplog.records)


def test_a_failing_user_info_does_not_stop_a_complete_id_token(sso_app, provider):
    client = sso_app().test_client()
    provider.userinfo_fails = True
    assert sso_login(client, provider, claims()).status_code == 302


def test_a_client_id_of_digits_from_the_environment_stays_text(
    app, provider, monkeypatch, make_app
):
    monkeypatch.setenv("REGISTRY_OIDC_CLIENT_ID", "12345")
    monkeypatch.setenv("REGISTRY_OIDC_CLIENT_SECRET", "987654")
    provider.client.client_id, provider.client.client_secret = "12345", "987654"
    app = make_app(
        OIDC_DISCOVERY_URL=provider.url + "/.well-known/openid-configuration",
        OIDC_ROLE_MAP=ROLE_MAP,
    )
    assert app.config["OIDC_CLIENT_ID"] == "12345"
    assert sso_login(app.test_client(), provider, claims()).status_code == 302


def test_pages_with_a_form_that_leads_to_the_provider_allow_it_in_form_action(sso_app, provider):
    """CSP form-action also governs the redirect after a form's POST: the login page (its
    button) and the pages of a single sign-on session (their logout) allow the provider."""
    app = sso_app(OIDC_FORM_ACTION_ORIGINS="https://adfs.gemeente.example")
    client = app.test_client()
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url} https://adfs.gemeente.example" in policy
    sso_login(client, provider, claims())
    policy = client.get("/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url}" in policy
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


def test_without_single_sign_on_forms_go_to_our_own_origin_only(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert policy.endswith("form-action 'self'")


# --- memberships from the claim (OIDC_ORGANISATION_ROLE_MAP) -----------------------------------

ORGANISATION_MAP = {
    "grp-astad-editors": "GM0363:editor",
    "grp-astad-admins": "GM0363:admin",
    "grp-bstad-admins": ["GM0364:admin"],
    "grp-region-auditors": "*:auditor",
    "grp-gone": "GM9999:editor",  # no such organisation (any more): ignored
}


def _organisations(*codes):
    from registry.audit.services import audit
    from registry.organisations import services as organisation_services

    made = [organisation_services.create(audit.Actor.system(), c, f"Gemeente {c}") for c in codes]
    db.session.commit()
    return made


def held(email) -> dict:
    """code (None: the region) → role of the stored account's memberships."""
    from registry.organisations.models import Organisation

    user = stored_user(email)
    codes = {o.id: o.code for o in db.session.scalars(select(Organisation))}
    return {codes.get(m.organisation_id): m.role for m in user.memberships}


def test_memberships_follow_the_claim_at_every_login(sso_app, provider):
    _organisations("GM0363", "GM0364")
    app = sso_app(OIDC_ORGANISATION_ROLE_MAP=ORGANISATION_MAP)
    groups = ["grp-astad-editors", "grp-astad-admins", "grp-region-auditors", "grp-gone"]
    assert sso_login(app.test_client(), provider, claims(groups=groups)).status_code == 302
    # The most rights win within one organisation; the unknown code is left out.
    assert held("anna@gemeente.example") == {"GM0363": "admin", None: "auditor"}
    assert [e.after for e in events("grant")] == [
        {"organisation": "GM0363", "role": "admin"},
        {"organisation": None, "role": "auditor"},
    ]
    # The groups change at the provider: at the next login, added, changed and removed.
    groups = ["grp-astad-editors", "grp-bstad-admins"]
    assert sso_login(app.test_client(), provider, claims(groups=groups)).status_code == 302
    assert held("anna@gemeente.example") == {"GM0363": "editor", "GM0364": "admin"}
    assert [e.before for e in events("revoke")] == [{"organisation": None, "role": "auditor"}]
    grants = events("grant")[2:]
    assert [(g.before, g.after) for g in grants] == [
        ({"organisation": "GM0363", "role": "admin"}, {"organisation": "GM0363", "role": "editor"}),
        ({}, {"organisation": "GM0364", "role": "admin"}),
    ]
    user = stored_user("anna@gemeente.example")
    assert all(e.actor_id == user.id for e in events("grant") + events("revoke"))
    # The same groups again: nothing to change, nothing recorded.
    assert sso_login(app.test_client(), provider, claims(groups=groups)).status_code == 302
    assert len(events("grant")) == 4 and len(events("revoke")) == 1


def test_claims_that_map_to_no_membership_are_refused_and_change_nothing(sso_app, provider):
    _organisations("GM0363", "GM0364")
    app = sso_app(OIDC_ORGANISATION_ROLE_MAP=ORGANISATION_MAP)
    assert (
        sso_login(app.test_client(), provider, claims(groups=["grp-astad-editors"])).status_code
        == 302
    )
    for groups in ([], ["somebody-else"], ["grp-gone"]):
        response = sso_login(app.test_client(), provider, claims(groups=groups))
        assert response.status_code == 403
        assert "geen rol in Kennisborg" in response.get_data(as_text=True)
    assert [e.after["reason"] for e in events("login_refused")] == ["no_role"] * 3
    assert held("anna@gemeente.example") == {"GM0363": "editor"}


def test_with_several_organisations_the_role_map_alone_is_refused(sso_app, provider):
    """The role map does not say in which organisation: refused with its own reason (never a
    role in every organisation), new and existing accounts alike."""
    _organisations("GM0363")
    response = sso_login(sso_app().test_client(), provider, claims(groups=["kb-admins"]))
    assert response.status_code == 403
    assert "verschillende organisaties" in response.get_data(as_text=True) or (
        "several organisations" in response.get_data(as_text=True)
    )
    assert events("login_refused")[0].after["reason"] == "no_organisation"
    assert stored_user("anna@gemeente.example") is None
    # Claims that map to no role at all are still "no_role".
    response = sso_login(sso_app().test_client(), provider, claims(groups=["other"]))
    assert events("login_refused")[1].after["reason"] == "no_role"
    # With the organisation map too, the role map is not used.
    app = sso_app(OIDC_ORGANISATION_ROLE_MAP={"kb-editors": "GM0363:manager"})
    response = sso_login(app.test_client(), provider, claims(groups=["kb-admins", "kb-editors"]))
    assert response.status_code == 302
    assert held("anna@gemeente.example") == {"GM0363": "manager"}


def test_with_one_organisation_both_maps_give_the_role_in_it(sso_app, provider):
    app = sso_app(OIDC_ORGANISATION_ROLE_MAP={"kb-managers": "ORG:manager"})
    response = sso_login(app.test_client(), provider, claims(groups=["kb-managers"]))
    assert response.status_code == 302
    assert held("anna@gemeente.example") == {"ORG": "manager"}
    # The role map's role is a role in the registry's one organisation; the most rights win.
    both = claims(groups=["kb-managers", "kb-editors"])
    assert sso_login(app.test_client(), provider, both).status_code == 302
    assert held("anna@gemeente.example") == {"ORG": "editor"}


@pytest.mark.parametrize(
    "bad",
    [
        {"grp": "GM0363"},
        {"grp": "GM0363:boss"},
        {"grp": "GM 0363:editor"},
        {"grp": []},
        {"grp": 3},
        ["GM0363:editor"],
    ],
)
def test_a_malformed_organisation_map_stops_the_start(sso_app, bad):
    from registry.core.config import InvalidSetting

    with pytest.raises(InvalidSetting, match="OIDC_ORGANISATION_ROLE_MAP"):
        sso_app(OIDC_ORGANISATION_ROLE_MAP=bad)
