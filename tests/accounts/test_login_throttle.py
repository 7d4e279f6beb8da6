"""Login throttling (issue 10, item 5): bounded keys, per account AND address, a slowdown
rather than a lock for the account, limits shared through Redis, throttled attempts audited,
and a translated message."""

import json
import secrets
import socket

import pytest
from sqlalchemy import select

from registry.accounts.web import throttle
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db, limiter
from tests.support import PASSWORD, totp_now

ATTACKER, HOLDER = "203.0.113.66", "198.51.100.7"


def post_login(client, email, password, address=ATTACKER, **data):
    return client.post(
        "/login",
        data={"email": email, "password": password, **data},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def throttled_app(make_app):
    def build(**settings):
        return make_app(RATELIMIT_ENABLED=True, **settings)

    return build


def audited(action="login_throttled"):
    db.session.rollback()
    return [
        json.loads(e.after)
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    ]


def test_an_overlong_email_is_refused_before_it_can_become_a_key(throttled_app, users):
    app = throttled_app()
    client = app.test_client()
    for length in (300, 12_000):
        response = post_login(client, "a" * length + "@example.org", "whatever")
        assert response.status_code == 200
        assert "254" in response.get_data(as_text=True)  # a message next to the field
    with app.app_context():
        # Every counter store of the app: ours, and Flask-Limiter's (which keyed on the raw
        # field before).
        stores = [throttle.storage(), limiter.storage]
        keys = [key for store in stores for key in (*store.events, *store.storage)]
    assert all(len(key) < 200 for key in keys)
    assert audited("login_failed") == []  # not even an attempt


def test_a_body_far_larger_than_a_login_form_is_refused_unread(throttled_app):
    client = throttled_app().test_client()
    response = post_login(client, "a" * 40_000 + "@example.org", "x")
    assert response.status_code == 413


def test_the_password_change_form_bounds_its_fields(client, users):
    from tests.support import login

    login(client, users["editor"])
    response = client.post(
        "/account/password", data={"current": "x" * 500, "new": "y" * 500, "confirm": "y" * 500}
    )
    assert response.status_code == 200
    assert "128" in response.get_data(as_text=True)


def test_failures_from_one_address_do_not_lock_out_the_holder_elsewhere(throttled_app, users):
    client = throttled_app().test_client()
    editor = users["editor"].email
    for _ in range(5):
        assert post_login(client, editor, "wrong password").status_code == 401
    refused = post_login(client, editor, PASSWORD)
    assert refused.status_code == 429  # the attacker's address waits, right password or not
    assert 0 < int(refused.headers["Retry-After"]) <= 300  # the window of 5 per 5 minutes
    page = refused.get_data(as_text=True)
    assert "Te veel mislukte inlogpogingen voor dit account vanaf uw adres" in page
    assert "per 5 minute" not in page
    assert post_login(client, editor, PASSWORD, address=HOLDER).status_code == 302


def test_an_account_under_attack_from_many_addresses_is_slowed_down_not_locked(
    throttled_app, users
):
    client = throttled_app(LOGIN_SLOWDOWN_PACE="1 per hour").test_client()
    editor = users["editor"].email
    for n in range(10):
        post_login(client, editor, "wrong password", address=f"192.0.2.{n}")
    # The holder still gets in: the account takes one attempt per pace, not none.
    assert post_login(client, editor, PASSWORD, address=HOLDER).status_code == 302
    slowed = post_login(client, editor, "another guess", address="192.0.2.200")
    assert slowed.status_code == 429
    assert "accepteert het één poging per paar seconden" in slowed.get_data(as_text=True)
    assert audited()[-1]["reason"] == "slowdown"


def test_one_address_guessing_many_accounts_is_stopped(throttled_app, users):
    client = throttled_app(LOGIN_LIMIT_PER_ADDRESS="4 per hour").test_client()
    for n in range(4):
        post_login(client, f"person{n}@example.org", "wrong password")
    response = post_login(client, users["manager"].email, PASSWORD)
    assert response.status_code == 429
    assert "vanaf uw adres" in response.get_data(as_text=True)
    assert post_login(client, users["manager"].email, PASSWORD, address=HOLDER).status_code == 302


def test_throttled_attempts_are_audited_once_a_minute_per_key(throttled_app, users):
    client = throttled_app(LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="2 per hour").test_client()
    editor = users["editor"]
    for _ in range(6):
        post_login(client, editor.email, "wrong password")
    events = audited()
    assert len(events) == 1
    assert events[0] == {"email": editor.email, "reason": "account_address", "step": "password"}


def test_a_success_forgets_the_failures_of_that_address(throttled_app, users):
    client = throttled_app(LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="3 per hour").test_client()
    editor = users["editor"].email
    for _ in range(2):
        post_login(client, editor, "wrong password")
    assert post_login(client, editor, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert post_login(client, editor, "wrong password").status_code == 401


def test_two_factor_codes_are_throttled_like_passwords(throttled_app, users):
    client = throttled_app(LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="3 per hour").test_client()
    admin = users["admin"]
    post_login(client, admin.email, PASSWORD)
    for _ in range(3):
        assert client.post("/two-factor/code", data={"code": "000000"}).status_code == 401
    response = client.post("/two-factor/code", data={"code": totp_now(admin)})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert audited()[-1]["step"] == "code"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_workers_share_the_counts_through_redis(throttled_app, users):
    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "LOGIN_THROTTLE_PREFIX": "kennisborg-test-" + secrets.token_hex(8),
        "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "3 per minute",
    }
    first, second = throttled_app(**settings), throttled_app(**settings)  # two "workers"
    editor = users["editor"].email
    for _ in range(3):
        post_login(first.test_client(), editor, "wrong password")
    assert post_login(second.test_client(), editor, PASSWORD).status_code == 429


def test_account_forms_refuse_a_body_far_larger_than_they_need(client_as, users):
    client = client_as("admin")
    response = client.post("/users/new", data={"email": "x@example.org", "person": "E" * 40_000})
    assert response.status_code == 413
    response = client.post("/users/new", data={"email": "a" * 300 + "@example.org"})
    assert response.status_code == 200 and "254" in response.get_data(as_text=True)
