"""`registry organisations …`, `registry users grant|revoke` and `--organisation` on the
commands: what an operator types and reads."""

from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db
from registry.organisations.models import Organisation
from tests import factories


def test_an_upgraded_registry_holds_one_organisation_that_can_be_renamed(runner):
    listed = runner.invoke(args=["organisations", "list"])
    assert listed.exit_code == 0 and "ORG" in listed.output and "Organisatie" in listed.output
    renamed = runner.invoke(
        args=["organisations", "update", "ORG", "--new-code", "GM0363", "--name", "Gemeente A"]
    )
    assert renamed.exit_code == 0, renamed.output
    assert "GM0363 (Gemeente A) saved" in renamed.output
    assert [o.code for o in db.session.scalars(select(Organisation))] == ["GM0363"]


def test_create_checks_the_code_and_is_audited(runner):
    bad = runner.invoke(args=["organisations", "create", "--code", "G 1", "--name", "X"])
    assert bad.exit_code != 0 and "at most 20 letters" in bad.output
    not_cbs = runner.invoke(args=["organisations", "create", "--code", "AMS", "--name", "X"])
    assert not_cbs.exit_code != 0 and "CBS code" in not_cbs.output
    made = runner.invoke(
        args=["organisations", "create", "--code", "GM0002", "--name", "Gemeente B"]
    )
    assert made.exit_code == 0, made.output
    twice = runner.invoke(args=["organisations", "create", "--code", "GM0002", "--name", "Y"])
    assert twice.exit_code != 0 and "exists" in twice.output
    centre = runner.invoke(
        args=[
            "organisations",
            "create",
            "--code",
            "SSC-1",
            "--name",
            "SSC",
            "--kind",
            "shared_service",
        ]
    )
    assert centre.exit_code == 0, centre.output
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "organisation", AuditEvent.action == "create")
    ).all()[:1]
    assert event.organisation_id is None  # the region's


def test_with_several_organisations_a_command_asks_which(runner):
    runner.invoke(args=["organisations", "create", "--code", "GM0002", "--name", "Gemeente B"])
    refused = runner.invoke(args=["gaps"])
    assert refused.exit_code != 0
    assert "several organisations; add --organisation CODE (GM0002, ORG)" in refused.output
    unknown = runner.invoke(args=["gaps", "--organisation", "GM9999"])
    assert unknown.exit_code != 0 and "No organisation has code GM9999" in unknown.output
    chosen = runner.invoke(args=["gaps", "--organisation", "GM0002"])
    assert chosen.exit_code == 0, chosen.output


def test_grant_and_revoke_memberships(runner):
    user = factories.make_user(role="manager", email="anna@example.org")
    db.session.commit()
    runner.invoke(args=["organisations", "create", "--code", "GM0002", "--name", "Gemeente B"])
    granted = runner.invoke(
        args=[
            "users",
            "grant",
            "--email",
            "anna@example.org",
            "--role",
            "editor",
            "--organisation",
            "GM0002",
        ]
    )
    assert granted.exit_code == 0 and "editor in GM0002" in granted.output
    region = runner.invoke(
        args=["users", "grant", "--email", "anna@example.org", "--role", "auditor", "--region"]
    )
    assert region.exit_code == 0 and "auditor in the region" in region.output
    both = runner.invoke(
        args=[
            "users",
            "grant",
            "--email",
            "anna@example.org",
            "--role",
            "auditor",
            "--region",
            "--organisation",
            "GM0002",
        ]
    )
    assert both.exit_code != 0 and "either --organisation CODE or --region" in both.output
    db.session.expire_all()
    pairs = sorted(
        (m.organisation_id or 0, m.role) for m in db.session.get(type(user), user.id).memberships
    )
    assert pairs == [(0, "auditor"), (1, "manager"), (2, "editor")]
    revoked = runner.invoke(args=["users", "revoke", "--email", "anna@example.org", "--region"])
    assert revoked.exit_code == 0
    again = runner.invoke(args=["users", "revoke", "--email", "anna@example.org", "--region"])
    assert again.exit_code != 0 and "has no role there" in again.output
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "membership")
    ).all()
    assert actions == ["grant", "grant", "revoke"]


def test_the_audit_log_names_organisation_and_membership_events_in_dutch(app, runner, client_as):
    user = factories.make_user(role="manager", email="bert@example.org")
    db.session.commit()
    renamed = runner.invoke(args=["organisations", "update", "ORG", "--name", "Gemeente A"])
    assert renamed.exit_code == 0, renamed.output  # the upgrade's code may stay a while
    runner.invoke(
        args=["users", "grant", "--email", user.email, "--role", "editor", "--organisation", "ORG"]
    )
    page = client_as("auditor").get("/audit/").get_data(as_text=True)
    assert "lidmaatschap" in page and "toegekend" in page and "organisatie" in page
    account = db.session.scalar(select(User).where(User.email == "bert@example.org"))
    assert account.name in page and "Gemeente A" in page and "bestaat niet meer" not in page
