"""Memberships in a registry of several organisations: what an organisation's administrators
may do with its members (and that every other account does not exist for them), what the
region's administrators do with every account's memberships, the last active administrator
of each organisation, and `registry users create|list`.

Two organisations A (GM0001) and B (GM0002) beside the registry's own ORG; one
administrator of each, a region administrator, and members of A, of B and of both."""

import json
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core import tenancy
from registry.core.extensions import db
from registry.organisations import services as organisation_services
from registry.organisations.models import Organisation
from tests import factories
from tests.support import PASSWORD, login, parse, totp_now


@dataclass
class Region:
    a: Organisation
    b: Organisation
    admin_a: User
    admin_b: User
    region_admin: User
    member_a: User  # editor of A only
    member_b: User  # editor of B only
    member_ab: User  # editor of A, manager of B


def _member(organisation: Organisation, role: str, **kw) -> User:
    with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
        return factories.make_user(role=role, **kw)


@pytest.fixture
def region(app) -> Region:
    actor = audit.Actor.system("test")
    a = organisation_services.create(actor, "GM0001", "Gemeente Astad")
    b = organisation_services.create(actor, "GM0002", "Gemeente Bstad")
    db.session.flush()
    admin_a = _member(a, "admin", email="admin.a@example.org")
    admin_b = _member(b, "admin", email="admin.b@example.org")
    region_admin = _member(a, "admin", email="admin.region@example.org")
    region_admin.memberships.clear()
    db.session.flush()
    organisation_services.grant(actor, region_admin, None, "admin")
    member_a = _member(a, "editor", email="member.a@example.org")
    member_b = _member(b, "editor", email="member.b@example.org")
    member_ab = _member(a, "editor", email="member.ab@example.org")
    organisation_services.grant(actor, member_ab, b, "manager")
    db.session.commit()
    return Region(a, b, admin_a, admin_b, region_admin, member_a, member_b, member_ab)


def client_of(app, user):
    """A client logged in as `user`, reading the pages in English (the source texts)."""
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/login"})
    login(client, user)
    return client


def memberships_of(user: User) -> dict[str | None, str]:
    """code (None: the region) → role, as stored now."""
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    codes = {o.id: o.code for o in db.session.scalars(select(Organisation))}
    return {codes.get(m.organisation_id): m.role for m in stored.memberships}


def membership_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "membership", AuditEvent.action == action)
            .order_by(AuditEvent.seq)
            .execution_options(all_organisations=True)
        )
    )


def _csrf(client, path: str) -> str:
    """The CSRF token of the (first) form on the page at `path`."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _emails(page) -> set[str]:
    return {row.get("data-email") for row in page.find_all("tr", data_email=True)}


# --- an organisation's administrators --------------------------------------------------------


def test_an_organisation_admin_lists_and_opens_its_members_only(app, region):
    client = client_of(app, region.admin_a)
    listed = _emails(parse(client.get("/users/")))
    assert listed == {"admin.a@example.org", "member.a@example.org", "member.ab@example.org"}
    assert client.get(f"/users/{region.member_ab.id}").status_code == 200
    for other in (region.member_b, region.admin_b, region.region_admin):
        assert client.get(f"/users/{other.id}").status_code == 404
        for path in ("deactivate", "reactivate", "two-factor/reset", "memberships/remove"):
            answer = client.post(f"/users/{other.id}/{path}", data={"organisation": region.a.id})
            assert answer.status_code == 404, path
        assert client.get(f"/users/{other.id}/password").status_code == 404


def test_an_organisation_admin_creates_an_account_with_a_role_in_it(app, region):
    client = client_of(app, region.admin_a)
    page = client.get("/users/new").get_data(as_text=True)
    assert "Role in Gemeente Astad" in page
    assert 'name="organisation"' not in page  # the account is made in A
    answer = client.post(
        "/users/new",
        data={"email": "nieuw@astad.nl", "name": "Nieuw", "role": "manager", "password": "x" * 10},
    )
    assert answer.status_code == 302
    created = db.session.scalars(select(User).where(User.email == "nieuw@astad.nl")).one()
    assert memberships_of(created) == {"GM0001": "manager"}


def test_an_organisation_admin_changes_the_role_in_its_organisation_only(app, region):
    client = client_of(app, region.admin_a)
    target = region.member_ab
    answer = client.post(
        f"/users/{target.id}",
        data={"name": target.name, "role": "auditor", "version": target.version},
    )
    assert answer.status_code == 302
    assert memberships_of(target) == {"GM0001": "auditor", "GM0002": "manager"}


def test_an_organisation_admin_removes_its_membership_and_leaves_the_rest(app, region):
    client = client_of(app, region.admin_a)
    target = region.member_ab
    page = client.get(f"/users/{target.id}").get_data(as_text=True)
    assert "Remove from Gemeente Astad" in page
    answer = client.post(
        f"/users/{target.id}/memberships/remove", data={"organisation": str(region.a.id)}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/users/"
    assert memberships_of(target) == {"GM0002": "manager"}
    assert db.session.get(User, target.id).active
    [event] = membership_events("revoke")
    assert json.loads(event.before) == {"organisation": "GM0001", "role": "editor"}
    assert event.actor_email == region.admin_a.email
    assert event.organisation_id == region.a.id  # in A's log
    # The account is no member of A any more: it does not exist there.
    assert client.get(f"/users/{target.id}").status_code == 404


def test_an_organisation_admin_cannot_remove_another_organisations_membership(app, region):
    client = client_of(app, region.admin_a)
    target = region.member_ab
    for where in (str(region.b.id), "region", "999", "x"):
        answer = client.post(f"/users/{target.id}/memberships/remove", data={"organisation": where})
        assert answer.status_code == 404, where
    answer = client.post(
        f"/users/{target.id}/memberships",
        data={"membership-organisation": str(region.b.id), "membership-role": "admin"},
    )
    assert answer.status_code == 403
    assert memberships_of(target) == {"GM0001": "editor", "GM0002": "manager"}


def test_what_concerns_the_whole_account_is_the_regions_when_it_is_a_member_elsewhere(app, region):
    """An organisation's administrator cannot deactivate, reset the password or the second
    factor of an account that is also a member of another organisation (it would reach
    there too); they remove their own organisation's membership instead."""
    client = client_of(app, region.admin_a)
    shared = region.member_ab
    page = client.get(f"/users/{shared.id}").get_data(as_text=True)
    assert f"/users/{shared.id}/deactivate" not in page
    assert f"/users/{shared.id}/password" not in page
    assert 'data-whole-account="region"' in page
    version = {"version": shared.version}
    assert client.post(f"/users/{shared.id}/deactivate", data=version).status_code == 403
    assert client.post(f"/users/{shared.id}/two-factor/reset", data=version).status_code == 403
    assert client.get(f"/users/{shared.id}/password").status_code == 403
    assert client.post(f"/users/{shared.id}/password", data=version).status_code == 403
    assert db.session.get(User, shared.id).active
    # An account of A alone is A's to deactivate.
    own = region.member_a
    assert f"/users/{own.id}/deactivate" in client.get(f"/users/{own.id}").get_data(as_text=True)
    answer = client.post(f"/users/{own.id}/deactivate", data={"version": own.version})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, own.id).active is False


def test_the_last_admin_of_an_organisation_keeps_the_role(app, region):
    client = client_of(app, region.admin_a)
    me = region.admin_a
    # The region administrator counts for A too: remove that first.
    organisation_services.revoke(audit.Actor.system("test"), region.region_admin, None)
    organisation_services.grant(audit.Actor.system("test"), region.region_admin, region.b, "admin")
    db.session.commit()
    answer = client.post(
        f"/users/{me.id}", data={"name": me.name, "role": "editor", "version": me.version}
    )
    assert 'id="role-error"' in answer.get_data(as_text=True)
    answer = client.post(f"/users/{me.id}/memberships/remove", data={"organisation": region.a.id})
    assert answer.status_code == 302
    assert memberships_of(me) == {"GM0001": "admin"}
    assert "last active administrator of Gemeente Astad" in client.get(f"/users/{me.id}").get_data(
        as_text=True
    )


# --- the region's administrators -------------------------------------------------------------


def test_a_region_admin_lists_every_account_with_its_memberships(app, region):
    client = client_of(app, region.region_admin)
    page = parse(client.get("/users/"))
    assert {"admin.b@example.org", "member.b@example.org", "admin.region@example.org"} <= _emails(
        page
    )
    row = page.find("tr", data_email="member.ab@example.org")
    assert "Gemeente Astad: editor; Gemeente Bstad: manager" in row.text()
    managers = _emails(parse(client.get("/users/", query_string={"role": "manager"})))
    assert managers == {"member.ab@example.org"}  # a manager somewhere


def test_a_region_admin_adds_changes_and_removes_memberships(app, region):
    client = client_of(app, region.region_admin)
    target = region.member_b
    page = parse(client.get(f"/users/{target.id}"))
    rows = page.find("table", id="memberships-table").find_all("tr", data_membership=True)
    assert [r.get("data-membership") for r in rows] == ["GM0002"]
    assert page.find("select", id="role") is None  # the roles are in the table
    add = {"membership-organisation": str(region.a.id), "membership-role": "auditor"}
    assert client.post(f"/users/{target.id}/memberships", data=add).status_code == 302
    add = {"membership-organisation": "region", "membership-role": "manager"}
    assert client.post(f"/users/{target.id}/memberships", data=add).status_code == 302
    change = {"membership-organisation": str(region.b.id), "membership-role": "manager"}
    assert client.post(f"/users/{target.id}/memberships", data=change).status_code == 302
    assert memberships_of(target) == {"GM0001": "auditor", None: "manager", "GM0002": "manager"}
    answer = client.post(
        f"/users/{target.id}/memberships/remove", data={"organisation": str(region.b.id)}
    )
    assert answer.headers["Location"] == f"/users/{target.id}"
    assert memberships_of(target) == {"GM0001": "auditor", None: "manager"}
    grants = membership_events("grant")[-3:]
    assert [json.loads(e.after) for e in grants] == [
        {"organisation": "GM0001", "role": "auditor"},
        {"organisation": None, "role": "manager"},
        {"organisation": "GM0002", "role": "manager"},
    ]
    assert json.loads(grants[2].before) == {"organisation": "GM0002", "role": "editor"}
    # Each event is in the log of the organisation it gives access to (the region's: None).
    assert [e.organisation_id for e in grants] == [region.a.id, None, region.b.id]
    [revoked] = membership_events("revoke")
    assert revoked.organisation_id == region.b.id
    # Nothing else of the account changed; it stays a member of A and of the region.
    page = parse(client.get(f"/users/{target.id}"))
    rows = page.find("table", id="memberships-table").find_all("tr", data_membership=True)
    assert [r.get("data-membership") for r in rows] == ["*", "GM0001"]


def test_a_region_admin_may_not_leave_an_organisation_without_an_admin(app, region):
    client = client_of(app, region.region_admin)
    me, only_b = region.region_admin, region.admin_b
    # A region administrator is an administrator of B too: admin_b may become an editor.
    demote = {"membership-organisation": str(region.b.id), "membership-role": "editor"}
    assert client.post(f"/users/{only_b.id}/memberships", data=demote).status_code == 302
    assert memberships_of(only_b) == {"GM0002": "editor"}
    # The last region administrator keeps that role, and stays active.
    answer = client.post(f"/users/{me.id}/memberships/remove", data={"organisation": "region"})
    assert answer.status_code == 302
    assert "last active region administrator" in client.get(answer.headers["Location"]).text
    answer = client.post(f"/users/{me.id}/deactivate", data={"version": me.version})
    assert "last active region administrator" in client.get(answer.headers["Location"]).text
    assert memberships_of(me) == {None: "admin"}
    assert db.session.get(User, me.id).active
    # With a second region administrator, the first may step down.
    organisation_services.grant(audit.Actor.system("test"), region.member_a, None, "admin")
    db.session.commit()
    answer = client.post(f"/users/{me.id}/memberships/remove", data={"organisation": "region"})
    assert answer.status_code == 302
    assert memberships_of(me) == {}


def test_a_region_admin_creates_an_account_in_any_organisation_or_the_region(app, region):
    client = client_of(app, region.region_admin)
    page = parse(client.get("/users/new"))
    options = [o.get("value") for o in page.find("select", id="organisation").find_all("option")]
    assert options[0] == "region" and str(region.b.id) in options
    answer = client.post(
        "/users/new",
        data={
            "email": "auditor@regio.nl",
            "role": "auditor",
            "organisation": "region",
            "password": "x" * 10,
        },
    )
    assert answer.status_code == 302
    created = db.session.scalars(select(User).where(User.email == "auditor@regio.nl")).one()
    assert memberships_of(created) == {None: "auditor"}
    [grant] = membership_events("grant")[-1:]
    assert json.loads(grant.after) == {"organisation": None, "role": "auditor"}


def test_membership_forms_carry_a_csrf_token(make_app, region):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    me = region.region_admin
    data = {"email": me.email, "password": PASSWORD, "csrf_token": _csrf(client, "/login")}
    assert client.post("/login", data=data).status_code == 302
    data = {"code": totp_now(me), "csrf_token": _csrf(client, "/two-factor/code")}
    assert client.post("/two-factor/code", data=data).status_code == 302
    target = region.member_b
    page = client.get(f"/users/{target.id}").get_data(as_text=True)
    token = _csrf(client, f"/users/{target.id}")
    forms = page.split("<form")[1:]
    membership_forms = [f for f in forms if "/memberships" in f.split(">")[0]]
    assert len(membership_forms) == 2  # one row's button and the add form
    assert 'name="csrf_token"' in membership_forms[0]  # ending the membership
    assert 'name="membership-csrf_token"' in membership_forms[1]  # the add form's prefix
    add = {"membership-organisation": str(region.a.id), "membership-role": "auditor"}
    assert client.post(f"/users/{target.id}/memberships", data=add).status_code == 400
    remove = {"organisation": str(region.b.id)}
    assert client.post(f"/users/{target.id}/memberships/remove", data=remove).status_code == 400
    assert memberships_of(target) == {"GM0002": "editor"}
    answer = client.post(
        f"/users/{target.id}/memberships", data=add | {"membership-csrf_token": token}
    )
    assert answer.status_code == 302
    assert memberships_of(target) == {"GM0002": "editor", "GM0001": "auditor"}
    answer = client.post(
        f"/users/{target.id}/memberships/remove", data=remove | {"csrf_token": token}
    )
    assert answer.status_code == 302
    assert memberships_of(target) == {"GM0001": "auditor"}


# --- a registry of one organisation: nothing shows -------------------------------------------


def test_with_one_organisation_there_are_no_memberships_to_manage(client_as, users):
    client = client_as("admin")
    target = users["editor"]
    page = client.get(f"/users/{target.id}").get_data(as_text=True)
    assert "Lidmaatschappen" not in page and "memberships" not in page.lower()
    assert 'name="organisation"' not in client.get("/users/new").get_data(as_text=True)
    add = {"membership-organisation": "region", "membership-role": "admin"}
    assert client.post(f"/users/{target.id}/memberships", data=add).status_code == 404
    remove = {"organisation": "1"}
    assert client.post(f"/users/{target.id}/memberships/remove", data=remove).status_code == 404


# --- the command line ------------------------------------------------------------------------


def test_users_create_gives_a_role_in_an_organisation_or_the_region(runner, region):
    result = runner.invoke(
        args=["users", "create", "--email", "x@astad.nl", "--role", "editor"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 2 and "--organisation CODE" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "x@astad.nl", "--role", "editor",
              "--organisation", "GM0001"],
        input="a long enough secret\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "editor in GM0001" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "y@regio.nl", "--role", "auditor", "--region"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "--email", "z@regio.nl", "--role", "auditor",
              "--organisation", "GM9999"],
        input="a long enough secret\n",
    )  # fmt: skip
    assert result.exit_code == 2 and "GM9999" in result.output
    by_email = {u.email: u for u in db.session.scalars(select(User))}
    assert memberships_of(by_email["x@astad.nl"]) == {"GM0001": "editor"}
    assert memberships_of(by_email["y@regio.nl"]) == {None: "auditor"}
    listing = runner.invoke(args=["users", "list"])
    assert listing.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in listing.output.splitlines()}
    assert lines["member.ab@example.org"][1:3] == ["active", "GM0001:editor, GM0002:manager"]
    assert lines["y@regio.nl"][2] == "*:auditor"


def test_users_list_with_one_organisation_shows_the_role(runner, users):
    listing = runner.invoke(args=["users", "list"])
    assert listing.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in listing.output.splitlines()}
    assert lines[users["auditor"].email][1:3] == ["active", "auditor"]
    result = runner.invoke(
        args=["users", "create", "--email", "o@example.org", "--role", "editor"],
        input="a long enough secret\n",
    )
    assert result.output == "Created editor account o@example.org.\n"
