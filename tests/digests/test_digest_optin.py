"""The daily digest opt-in on the account page: shown ticked as stored, saved with an audit
event, and only by a POST."""

import re

from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from tests.support import PASSWORD


def checkbox(page: str) -> str:
    (tag,) = re.findall(r'<input[^>]*name="digest-receive"[^>]*>', page)
    return tag


def test_a_user_opts_in_and_out_on_the_account_page(client_as, users):
    client = client_as("auditor")
    client.post("/language", data={"lang": "en"})
    page = client.get("/account/password").get_data(as_text=True)
    assert "Send me the daily e-mail digest" in page
    assert "checked" not in checkbox(page)

    response = client.post("/account/digest", data={"digest-receive": "y"})
    assert response.status_code == 302 and response.location.endswith("/account/password")
    user = db.session.get(User, users["auditor"].id)
    assert user.digest_opt_in is True
    event = (
        db.session.execute(
            select(AuditEvent).where(AuditEvent.entity == "user").order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert (event.action, event.entity_id) == ("update", str(user.id))
    assert "digest_opt_in" in event.after
    page = client.get("/account/password").get_data(as_text=True)
    assert "You will receive the daily digest by e-mail." in page
    assert "checked" in checkbox(page)

    client.post("/account/digest", data={})
    db.session.expire_all()
    assert db.session.get(User, users["auditor"].id).digest_opt_in is False


def test_the_opt_in_is_not_changed_by_a_get(client_as, users):
    client = client_as("manager")
    assert client.get("/account/digest").status_code == 405
    assert db.session.get(User, users["manager"].id).digest_opt_in is False


def test_the_opt_in_needs_the_csrf_token_of_its_form(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": users["manager"].email, "password": PASSWORD, "csrf_token": token},
    )
    page = client.get("/account/password").get_data(as_text=True)
    (token,) = re.findall(r'name="digest-csrf_token" type="hidden" value="([^"]+)"', page)
    assert client.post("/account/digest", data={"digest-receive": "y"}).status_code == 400
    assert db.session.get(User, users["manager"].id).digest_opt_in is False
    response = client.post(
        "/account/digest", data={"digest-receive": "y", "digest-csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, users["manager"].id).digest_opt_in is True
