"""API tokens: created by admins (CLI and web), shown once, stored hashed, revocable,
expiring, listed with last use; audited writes; a rate limit per token."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from registry.accounts.models.tokens import ApiToken
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.core.models import utcnow
from tests import factories
from tests.support import make_token


def _get(app, token, path="/api/v1/me"):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_cli_creates_a_token_printed_alone_on_the_last_line(app, runner, users):
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--user",
            users["editor"].email,
            "--scope",
            "write",
            "--expires",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("kb_") and " " not in secret
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(db.session.scalars(select(AuditEvent.after)).all())
    me = _get(app, secret)
    assert me.status_code == 200
    assert me.json["role"] == "editor" and me.json["scope"] == "write"
    listing = runner.invoke(args=["tokens", "list"])
    assert "active" in listing.output and "never" not in listing.output  # used just now
    revoked = runner.invoke(args=["tokens", "revoke", str(stored.id)])
    assert revoked.exit_code == 0
    assert _get(app, secret).status_code == 401


def test_unknown_user_and_bad_expiry_are_refused(runner, users):
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--user",
            "nobody@example.org",
            "--scope",
            "read",
            "--expires",
            "3",
        ]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--user",
            users["admin"].email,
            "--scope",
            "read",
            "--expires",
            "0",
        ]
    )
    assert result.exit_code != 0


def test_expired_revoked_and_deactivated_tokens_get_401(app, users):
    secret = make_token(users["editor"])
    token = db.session.scalars(select(ApiToken)).one()
    assert _get(app, secret).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _get(app, secret).status_code == 401
    assert _get(app, secret + "x").status_code == 401
    assert _get(app, "kb_nonsense").status_code == 401
    other = make_token(users["manager"])
    users["manager"].active = False
    db.session.commit()
    assert _get(app, other).status_code == 401


def test_auditor_token_cannot_write_and_refusal_is_audited(app, users):
    secret = make_token(users["auditor"], "write")
    answer = app.test_client().post(
        "/api/v1/people",
        json={"employee_number": "X1", "name": "X"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 403
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).one()
    assert event.actor_email == users["auditor"].email
    assert "api-token:" in event.source


def test_admin_web_page_creates_shows_once_and_revokes(app, client_as, users):
    admin = client_as("admin")
    page = admin.get("/tokens")
    assert page.status_code == 200
    made = admin.post(
        "/tokens",
        data={"email": users["editor"].email, "name": "HR sync", "scope": "write", "days": "30"},
    )
    assert made.status_code == 200
    text = made.get_data(as_text=True)
    secret = text.split("data-token>", 1)[1].split("<", 1)[0]
    assert _get(app, secret).status_code == 200
    listing = admin.get("/tokens").get_data(as_text=True)
    assert "HR sync" in listing and secret not in listing
    token = db.session.scalars(select(ApiToken)).one()
    assert admin.post(f"/tokens/{token.id}/revoke").status_code == 302
    assert _get(app, secret).status_code == 401
    assert client_as("editor").get("/tokens").status_code == 403


def test_rate_limit_per_token(make_app, users):
    one, two = make_token(users["auditor"], "read"), make_token(users["editor"], "read")
    limited = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    statuses = [_get(limited, one).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert _get(limited, two).status_code == 200  # another token has its own budget
    limited_again = _get(limited, one, "/api/v1/gaps")
    assert limited_again.status_code == 429  # one budget for the whole API
    assert limited_again.mimetype == "application/problem+json"
    assert 0 < int(limited_again.headers["Retry-After"]) <= 60


def test_writes_name_the_tokens_user(app, api_as, users):
    factories.make_org_unit(name="Team")
    answer = api_as("editor").post("/api/v1/org-units", json={"name": "Afdeling"})
    assert answer.status_code == 201
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "org_unit", AuditEvent.action == "create")
    ).one()
    assert event.actor_email == users["editor"].email
    assert event.actor_role == "editor"


def test_bearer_requests_need_no_csrf_token_and_cookies_cannot_call(make_app, users):
    secret = make_token(users["editor"])
    strict = make_app(WTF_CSRF_ENABLED=True)
    answer = strict.test_client().post(
        "/api/v1/org-units", json={"name": "Team"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert (
        strict.test_client().post("/api/v1/org-units", json={"name": "Team 2"}).status_code == 401
    )


def test_a_hundred_refused_api_writes_are_one_audit_event_while_they_repeat(app, users):
    """As on the web (audit/services/refusals.py): repeats of one actor and route within the
    minute are counted, not each written as an event of its own."""
    secret = make_token(users["auditor"], "write")
    client = app.test_client()
    for number in range(100):
        answer = client.post(
            "/api/v1/people",
            json={"employee_number": f"X{number}", "name": "X"},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert answer.status_code == 403
    db.session.rollback()
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert len(refused) == 1 and refused[0].actor_email == users["auditor"].email
