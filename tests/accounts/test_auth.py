"""Logging in and out, sessions, safe redirects and CSRF."""

import pytest

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from tests import factories
from tests.support import PASSWORD, login


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_page_is_dutch_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page
    assert "Inloggen" in page


def test_language_switch_to_english(client):
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Log in" in page


def test_login_and_home_shows_counts(client, users):
    factories.make_service()
    db.session.commit()
    login(client, users["manager"])
    page = client.get("/").get_data(as_text=True)
    assert users["manager"].name in page
    assert "Uitbestede diensten" in page


def test_wrong_password_is_refused_with_a_message(client, users):
    response = client.post("/login", data={"email": users["editor"].email, "password": "nope-nope"})
    assert response.status_code == 401
    assert "niet juist" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failed = db.session.query(AuditEvent).filter_by(action="login_failed").one()
    assert failed.result == "failure"


def test_unknown_email_is_refused_the_same_way(client, users):
    response = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    assert response.status_code == 401


def test_inactive_user_cannot_log_in(client, users):
    users["auditor"].active = False
    db.session.commit()
    response = client.post("/login", data={"email": users["auditor"].email, "password": PASSWORD})
    assert response.status_code == 401


def test_deactivation_ends_existing_sessions(client, users):
    login(client, users["auditor"])
    assert client.get("/").status_code == 200
    users["auditor"].active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logout_ends_this_and_other_sessions(app, users):
    first, second = app.test_client(), app.test_client()
    login(first, users["editor"])
    login(second, users["editor"])
    old_cookie = first.get_cookie("kennisborg_session").value
    assert first.post("/logout").status_code == 302
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302  # the other session ended too
    replay = app.test_client()
    replay.set_cookie("kennisborg_session", old_cookie)
    assert replay.get("/").status_code == 302  # an old cookie no longer works


def test_logout_is_not_possible_with_get(client, users):
    login(client, users["editor"])
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//x",
        "////x",
        "\\\\x",
        "/\\x",
        "https://x",
        "http://evil.example/",
        " //x",
        "javascript:alert(1)",
        "/%0d%0ax",
    ],
)
def test_next_never_leaves_the_site(client, users, target):
    response = client.post(
        "/login", data={"email": users["editor"].email, "password": PASSWORD, "next": target}
    )
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and "x" not in location.replace("next", "")[:3]


def test_next_leads_to_a_local_path(client, users):
    response = client.post(
        "/login",
        data={"email": users["editor"].email, "password": PASSWORD, "next": "/account/password"},
    )
    assert response.headers["Location"] == "/account/password"


def test_post_without_csrf_token_is_refused(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"email": users["editor"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_csrf_token_in_base_layout(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<meta name="csrf-token"' in page


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_flags(client, users):
    response = client.post("/login", data={"email": users["editor"].email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_mode_sets_hsts_and_secure_cookies(make_app, users):
    app = make_app(HTTPS=True)
    response = app.test_client().post(
        "/login",
        data={"email": users["editor"].email, "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_idle_session_expires(make_app, users):
    from datetime import timedelta

    app = make_app(SESSION_IDLE_TIMEOUT=timedelta(seconds=-1))
    client = app.test_client()
    login(client, users["editor"])
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_password_ends_other_sessions(app, users):
    mine, other = app.test_client(), app.test_client()
    login(mine, users["manager"])
    login(other, users["manager"])
    response = mine.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a new long password", "confirm": "a new long password"},
    )
    assert response.status_code == 302
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_change_password_refuses_wrong_current_and_short(client, users):
    login(client, users["manager"])
    page = client.post(
        "/account/password",
        data={
            "current": "wrong password",
            "new": "a new long password",
            "confirm": "a new long password",
        },
    ).get_data(as_text=True)
    assert "niet juist" in page
    page = client.post(
        "/account/password", data={"current": PASSWORD, "new": "short", "confirm": "short"}
    ).get_data(as_text=True)
    assert "8" in page
