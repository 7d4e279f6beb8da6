"""Two-factor authentication: the code after the password, enrolment (required for
administrators with a password, optional for the others), recovery codes, resets, audit."""

import json
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from registry.accounts.models.users import RecoveryCode, User
from registry.accounts.services import twofactor
from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.extensions import db
from tests import factories
from tests.support import PASSWORD, login, totp_now

PAGES = ("/", "/users/", "/audit/", "/reports/", "/people/", "/account/password", "/two-factor/")


def actions():
    db.session.rollback()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def last(action):
    db.session.rollback()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
    ).first()
    return event, json.loads(event.after or "{}")


def fresh(user) -> User:
    db.session.rollback()
    return db.session.get(User, user.id)


def password_step(client, user, **kw):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, **kw)


def test_an_admin_reaches_no_page_before_the_code(client, users):
    admin = users["admin"]
    response = password_step(client, admin)
    assert response.status_code == 302
    assert response.headers["Location"] == "/two-factor/code"
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), path
    assert client.post("/users/new", data={"email": "x@example.org"}).status_code == 302
    page = client.get("/two-factor/code").get_data(as_text=True)
    assert "Code" in page and 'autocomplete="one-time-code"' in page


def test_a_wrong_code_is_refused_and_audited_then_the_right_one_logs_in(client, users):
    admin = users["admin"]
    password_step(client, admin)
    response = client.post("/two-factor/code", data={"code": "000000"})
    assert response.status_code == 401
    assert "niet juist" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    response = client.post("/two-factor/code", data={"code": totp_now(admin)})
    assert response.status_code == 302
    assert client.get("/users/").status_code == 200
    assert actions()[-2:] == ["login_2fa_failed", "login"]
    assert last("login")[1]["method"] == "pwd+otp"


def test_next_survives_the_code_step(client, users):
    client.post(
        "/login", data={"email": users["admin"].email, "password": PASSWORD, "next": "/audit/"}
    )
    response = client.post("/two-factor/code", data={"code": totp_now(users["admin"])})
    assert response.headers["Location"] == "/audit/"


def test_a_code_works_only_once(app, users):
    admin = users["admin"]
    code = totp_now(admin)
    first, second = app.test_client(), app.test_client()
    password_step(first, admin)
    assert first.post("/two-factor/code", data={"code": code}).status_code == 302
    password_step(second, admin)
    assert second.post("/two-factor/code", data={"code": code}).status_code == 401


def test_the_code_step_expires(client, users):
    password_step(client, users["admin"])
    with client.session_transaction() as session:
        session["_pending"]["at"] = int(time.time()) - 301
    response = client.post("/two-factor/code", data={"code": totp_now(users["admin"])})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_code_step_without_a_password_leads_to_login(client, users):
    response = client.post("/two-factor/code", data={"code": "123456"})
    assert response.headers["Location"] == "/login"


def _enrolment_key(client):
    """The key shown on the enrolment page."""
    page = client.get("/two-factor/enrol").get_data(as_text=True)
    return re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")


def _enrol(client, user, next_url=None):
    """Enrol through the pages; returns the recovery codes shown."""
    secret = _enrolment_key(client)
    response = client.post(
        "/two-factor/enrol", data={"code": pyotp.TOTP(secret).now(), "next": next_url or ""}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'<code class="kb-password">([a-z2-9-]+)</code>', response.get_data(True))


def test_an_admin_without_two_factor_is_sent_to_enrolment_until_enrolled(client):
    admin = factories.make_user(role="admin", totp_secret=None)
    db.session.commit()
    assert password_step(client, admin).status_code == 302
    for path in PAGES[:-1]:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/two-factor/enrol"), path
    assert client.post("/users/new", data={}).status_code == 403
    page = client.get("/two-factor/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "QR-code" in page
    assert re.search(r"data-secret>[A-Z2-7]{4}( [A-Z2-7]{4})+<", page)
    secret = _enrolment_key(client)
    assert _enrolment_key(client) == secret  # a reload shows the same key
    wrong = client.post("/two-factor/enrol", data={"code": "000000"})
    assert wrong.status_code == 400 and "niet juist" in wrong.get_data(as_text=True)
    assert fresh(admin).totp_secret is None  # nothing stored before a code confirms it
    assert client.get("/users/").status_code == 302
    codes = _enrol(client, admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/users/").status_code == 200
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only digests are kept
    assert fresh(admin).two_factor_enabled
    assert "enable_2fa" in actions()


def test_enrolment_ends_the_accounts_other_sessions(app, users):
    editor = users["editor"]
    mine, other = app.test_client(), app.test_client()
    login(mine, editor)
    login(other, editor)
    _enrol(mine, editor)
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_an_editor_may_enrol_and_then_needs_the_code(app, users):
    editor = users["editor"]
    client = app.test_client()
    login(client, editor)
    assert 'data-two-factor="off"' in client.get("/two-factor/").get_data(as_text=True)
    _enrol(client, editor)
    again = app.test_client()
    assert password_step(again, editor).headers["Location"] == "/two-factor/code"
    login(app.test_client(), fresh(editor))


def test_a_recovery_code_logs_in_once(app, users):
    admin = users["admin"]
    codes = twofactor.regenerate_recovery_codes(audit.Actor.system("test"), admin)
    db.session.commit()
    client = app.test_client()
    password_step(client, admin)
    response = client.post("/two-factor/code", data={"code": codes[0].upper()})
    assert response.status_code == 302
    assert "9" in client.get("/").get_data(as_text=True)  # codes left, in the flash
    assert last("login")[1]["method"] == "pwd+recovery_code"
    again = app.test_client()
    password_step(again, admin)
    assert again.post("/two-factor/code", data={"code": codes[0]}).status_code == 401


def test_new_recovery_codes_need_a_code_and_replace_the_old(client, users):
    admin = users["admin"]
    old = twofactor.regenerate_recovery_codes(audit.Actor.system("test"), admin)
    db.session.commit()
    login(client, admin)
    refused = client.post("/two-factor/", data={"action": "renew", "code": "000000"})
    assert refused.status_code == 400
    response = client.post("/two-factor/", data={"action": "renew", "code": totp_now(admin)})
    new = re.findall(r'<code class="kb-password">([a-z2-9-]+)</code>', response.get_data(True))
    assert len(new) == 10 and not set(new) & set(old)
    assert "renew_recovery_codes" in actions()


def test_an_admin_cannot_switch_it_off_but_an_editor_can(app, users):
    admin_client = app.test_client()
    login(admin_client, users["admin"])
    code = totp_now(users["admin"])
    assert (
        admin_client.post("/two-factor/", data={"action": "off", "code": code}).status_code == 403
    )
    editor = users["editor"]
    client = app.test_client()
    login(client, editor)
    _enrol(client, editor)
    editor = fresh(editor)
    response = client.post("/two-factor/", data={"action": "off", "code": totp_now(editor)})
    assert response.status_code == 302
    assert not fresh(editor).two_factor_enabled
    assert "disable_2fa" in actions()
    assert password_step(app.test_client(), editor).headers["Location"] == "/"


def test_another_admin_resets_two_factor_and_the_sessions_end(app, users):
    other = factories.make_user(role="admin")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, other)
    mine = app.test_client()
    login(mine, users["admin"])
    page = mine.get(f"/users/{other.id}").get_data(as_text=True)
    assert 'data-two-factor="on"' in page
    version = fresh(other).version
    response = mine.post(f"/users/{other.id}/two-factor/reset", data={"version": version})
    assert response.status_code == 302
    assert not fresh(other).two_factor_enabled
    assert theirs.get("/").status_code == 302  # their session ended
    event, _ = last("reset_2fa")
    assert event.actor_id == users["admin"].id and event.entity_id == str(other.id)
    # At the next log-in the administrator must enrol again.
    again = app.test_client()
    password_step(again, other)
    assert again.get("/").headers["Location"].startswith("/two-factor/enrol")


def test_an_admin_cannot_reset_their_own_two_factor(client, users):
    admin = users["admin"]
    login(client, admin)
    version = fresh(admin).version
    client.post(f"/users/{admin.id}/two-factor/reset", data={"version": version})
    assert fresh(admin).two_factor_enabled


def test_reset_from_the_command_line(runner, users):
    result = runner.invoke(args=["users", "reset-2fa", "--email", users["admin"].email])
    assert result.exit_code == 0, result.output
    assert not fresh(users["admin"]).two_factor_enabled
    assert "reset_2fa" in actions()
    again = runner.invoke(args=["users", "reset-2fa", "--email", users["admin"].email])
    assert again.exit_code == 1
    unknown = runner.invoke(args=["users", "reset-2fa", "--email", "nobody@example.org"])
    assert unknown.exit_code == 1


def test_a_role_change_to_admin_sends_the_session_to_enrolment(client, users):
    editor = users["editor"]
    login(client, editor)
    editor.role = "admin"
    db.session.commit()
    assert client.get("/").headers["Location"].startswith("/two-factor/enrol")


def test_a_session_that_skipped_a_new_second_factor_ends(app, users):
    editor = users["editor"]
    client = app.test_client()
    login(client, editor)
    editor.totp_secret = factories.TOTP_SECRET
    editor.totp_confirmed_at = editor.created_at
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


@pytest.mark.parametrize("field", ["code"])
def test_an_overlong_code_is_refused_with_a_message(client, users, field):
    password_step(client, users["admin"])
    response = client.post("/two-factor/code", data={field: "1" * 5000})
    assert response.status_code == 200
    assert "32" in response.get_data(as_text=True)


def test_a_stale_or_forged_enrolment_is_refused(client, users):
    editor = users["editor"]
    login(client, editor)
    secret = _enrolment_key(client)
    with client.session_transaction() as session:
        session["_enrol"] = session["_enrol"][:-2] + "xx"
    response = client.post("/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 400
    assert "duurde te lang" in response.get_data(as_text=True)
    assert not fresh(editor).two_factor_enabled
