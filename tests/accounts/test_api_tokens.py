"""API tokens: created by admins (CLI and web), shown once, stored hashed, revocable,
expiring, listed with last use; audited writes; a rate limit per token."""

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select

from registry.accounts.models.tokens import ApiToken
from registry.accounts.services import tokens as token_service
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


# --- a registry of several organisations: tokens narrowed to one -------------------------------


def _two_organisations():
    """A (GM0001) and B (GM0002); an editor of both, and an admin of each."""
    from registry.audit.services import audit
    from registry.core import tenancy
    from registry.organisations import services as organisation_services

    actor = audit.Actor.system("test")
    a = organisation_services.create(actor, "GM0001", "Gemeente Astad")
    b = organisation_services.create(actor, "GM0002", "Gemeente Bstad")
    db.session.flush()
    made = {}
    for organisation, key in ((a, "a"), (b, "b")):
        with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
            made[f"admin_{key}"] = factories.make_user(role="admin")
            made[f"editor_{key}"] = factories.make_user(role="editor")
    with tenancy.acting_in(tenancy.Scope(a.id, several=True)):
        both = factories.make_user(role="editor", email="both@example.org")
    organisation_services.grant(actor, both, b, "editor")
    db.session.commit()
    return a, b, both, made


def _narrowed(user, organisation, scope="read"):
    from registry.audit.services import audit

    _token, secret = token_service.create_token(
        audit.Actor.system("test"), user, scope, 30, organisation=organisation
    )
    db.session.commit()
    return secret


def test_a_narrowed_token_acts_in_its_organisation_only(app):
    a, b, both, _made = _two_organisations()
    wide, narrow = make_token(both, "read"), _narrowed(both, b)
    client = app.test_client()

    def people(secret, code=None):
        headers = {"Authorization": f"Bearer {secret}"}
        if code:
            headers["X-Organisation"] = code
        return client.get("/api/v1/people", headers=headers).status_code

    assert (people(wide), people(wide, "GM0001"), people(wide, "GM0002")) == (200, 200, 200)
    assert (people(narrow), people(narrow, "GM0002")) == (200, 200)
    assert people(narrow, "GM0001") == 404  # another organisation does not exist for it
    assert people(narrow, "GM9999") == 404
    assert people(narrow, "ORG") == 404


def test_a_narrowed_token_stops_when_its_user_leaves_the_organisation(app):
    from registry.audit.services import audit
    from registry.organisations import services as organisation_services

    a, b, both, _made = _two_organisations()
    wide, narrow = make_token(both, "read"), _narrowed(both, b)
    assert _get(app, narrow).status_code == 200
    organisation_services.revoke(audit.Actor.system("test"), both, b)
    db.session.commit()
    assert _get(app, narrow).status_code == 401
    assert _get(app, wide).status_code == 200  # still a member of A
    # A region membership lets it act there again.
    organisation_services.grant(audit.Actor.system("test"), both, None, "auditor")
    db.session.commit()
    assert _get(app, narrow).status_code == 200


def test_a_token_is_narrowed_only_to_an_organisation_of_its_user(app, runner):
    a, b, both, made = _two_organisations()
    result = runner.invoke(
        args=["tokens", "create", "--user", made["editor_a"].email, "--scope", "read",
              "--expires", "5", "--organisation", "GM0002"],
    )  # fmt: skip
    assert result.exit_code == 1 and "Gemeente Bstad" in result.output
    result = runner.invoke(
        args=["tokens", "create", "--user", both.email, "--scope", "read", "--expires", "5",
              "--organisation", "GM0002"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "in GM0002 only" in result.output
    secret = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}", "X-Organisation": "GM0001"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 404
    created = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "api_token", AuditEvent.action == "create")
    ).one()
    assert json.loads(created.after)["organisation"] == "GM0002"
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "\tGM0002\tboth@example.org\t" in listing


def test_an_organisation_admin_manages_its_members_tokens_only(app):
    from tests.support import login

    a, b, both, made = _two_organisations()
    of_b = make_token(made["editor_b"], "read")
    narrowed_to_b = _narrowed(both, b)
    wide_of_both = make_token(both, "read")
    tokens = {t.id: t for t in db.session.scalars(select(ApiToken))}
    by_secret = {s: t for s in (of_b, narrowed_to_b, wide_of_both) for t in tokens.values()
                 if t.digest == hashlib.sha256(s.encode()).hexdigest()}  # fmt: skip
    client = app.test_client()
    login(client, made["admin_a"])
    page = client.get("/tokens").get_data(as_text=True)
    assert f'data-token="{by_secret[wide_of_both].id}"' in page
    assert f'data-token="{by_secret[of_b].id}"' not in page
    assert f'data-token="{by_secret[narrowed_to_b].id}"' not in page
    for hidden in (of_b, narrowed_to_b):
        assert client.post(f"/tokens/{by_secret[hidden].id}/revoke").status_code == 404
    assert _get(app, of_b).status_code == 200
    # A token made by A's administrator is narrowed to A, for a member of A only.
    made_b = client.post(
        "/tokens",
        data={"email": made["editor_b"].email, "scope": "read", "days": "5",
              "organisation": str(a.id)},
    )  # fmt: skip
    assert 'id="email-error"' in made_b.get_data(as_text=True)
    refused = client.post(
        "/tokens",
        data={"email": both.email, "scope": "read", "days": "5", "organisation": str(b.id)},
    )
    assert 'id="organisation-error"' in refused.get_data(as_text=True)
    answer = client.post(
        "/tokens",
        data={"email": both.email, "scope": "read", "days": "5", "organisation": str(a.id)},
    )
    secret = answer.get_data(as_text=True).split("data-token>", 1)[1].split("<", 1)[0]
    token = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token.organisation_id == a.id
    headers = {"Authorization": f"Bearer {secret}", "X-Organisation": "GM0002"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 404
