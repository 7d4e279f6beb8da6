"""Account administration: create, change role and links, deactivate, reset the password,
the last-admin rule, the access review and its CSV export, and refused roles."""

import csv
import io
import json

import pytest

from registry.accounts.models.users import User
from registry.core.extensions import db
from registry.core.provenance import strip_preamble
from tests import factories
from tests.support import PASSWORD, events, login


def test_users_list_and_search(client_as, users):
    client = client_as("admin")
    page = client.get("/users/").get_data(as_text=True)
    assert all(f'data-email="{u.email}"' in page for u in users.values())
    found = client.get("/users/", query_string={"role": "auditor"}).get_data(as_text=True)
    assert f'data-email="{users["auditor"].email}"' in found
    assert f'data-email="{users["editor"].email}"' not in found
    found = client.get("/users/", query_string={"q": users["manager"].email[:8]}).get_data(
        as_text=True
    )
    assert f'data-email="{users["manager"].email}"' in found


def test_admin_creates_an_account_with_a_chosen_password(client_as, app):
    person = factories.make_person(employee_number="E-5")
    db.session.commit()
    response = client_as("admin").post(
        "/users/new",
        data={
            "email": "nieuw@gemeente.nl",
            "name": "Nieuwe Collega",
            "role": "manager",
            "password": "een lang wachtwoord",
            "person": "E-5",
            "org_unit_id": "",
        },
    )
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="nieuw@gemeente.nl").one()
    assert (user.role, user.person_id, user.active) == ("manager", person.id, True)
    assert login(app.test_client(), user, "een lang wachtwoord")
    created = events("user", "create")[-1]
    assert "password_hash" not in created.after and user.password_hash not in created.after


def test_a_generated_password_is_shown_once_and_works(client_as, app):
    response = client_as("admin").post(
        "/users/new",
        data={"email": "gen@gemeente.nl", "name": "", "role": "auditor", "password": ""},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = page.split("data-password>")[1].split("<")[0]
    assert len(password) >= 8
    user = db.session.query(User).filter_by(email="gen@gemeente.nl").one()
    assert login(app.test_client(), user, password)
    assert all(password not in (e.after or "") for e in events("user"))


@pytest.mark.parametrize(
    "data, field",
    [
        ({"email": ""}, "email"),
        ({"email": "geen-adres"}, "email"),
        ({"password": "kort"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"person": "NOBODY"}, "person"),
    ],
)
def test_invalid_accounts_are_refused_on_the_field(client_as, data, field):
    form = {"email": "x@gemeente.nl", "name": "X", "role": "editor", "password": ""}
    form.update(data)
    client = client_as("admin")
    count = db.session.query(User).count()
    response = client.post("/users/new", data=form)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.query(User).count() == count


def test_duplicate_email_is_a_field_error(client_as, users):
    response = client_as("admin").post(
        "/users/new",
        data={"email": users["editor"].email.upper(), "role": "editor", "password": ""},
    )
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_admin_changes_a_role_with_before_and_after(client_as, users):
    target = users["editor"]
    response = client_as("admin").post(
        f"/users/{target.id}",
        data={
            "name": target.name,
            "role": "manager",
            "person": "",
            "org_unit_id": "",
            "version": target.version,
        },
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role == "manager"
    event = events("user", "update")[-1]
    assert json.loads(event.before) == {"role": "editor"}
    assert json.loads(event.after) == {"role": "manager"}


def test_lost_update_on_an_account_is_answered_409(client_as, users):
    target = users["editor"]
    opened = target.version
    target.name = "Renamed meanwhile"
    db.session.commit()
    response = client_as("admin").post(
        f"/users/{target.id}", data={"name": "My name", "role": "auditor", "version": opened}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="Renamed meanwhile"' in page and 'data-typed="My name"' in page
    db.session.refresh(target)
    assert (target.name, target.role) == ("Renamed meanwhile", "editor")


def test_deactivation_ends_sessions_and_reactivation_restores_login(client_as, users, app):
    target = users["auditor"]
    theirs = app.test_client()
    login(theirs, target)
    assert theirs.get("/").status_code == 200
    admin = client_as("admin")
    response = admin.post(f"/users/{target.id}/deactivate", data={"version": target.version})
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.active is False
    assert theirs.get("/").status_code == 302  # their session has ended
    assert events("user", "deactivate")
    admin.post(f"/users/{target.id}/reactivate", data={"version": target.version})
    db.session.refresh(target)
    assert target.active is True
    assert login(app.test_client(), target)


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(client_as, users):
    admin_user = users["admin"]
    client = client_as("admin")
    client.post(f"/users/{admin_user.id}/deactivate", data={"version": admin_user.version})
    response = client.post(
        f"/users/{admin_user.id}",
        data={"name": admin_user.name, "role": "editor", "version": admin_user.version},
    )
    assert 'id="role-error"' in response.get_data(as_text=True)
    db.session.refresh(admin_user)
    assert (admin_user.active, admin_user.role) == (True, "admin")
    # With a second active admin, demoting oneself is allowed.
    factories.make_user(role="admin")
    db.session.commit()
    response = client.post(
        f"/users/{admin_user.id}",
        data={"name": admin_user.name, "role": "editor", "version": admin_user.version},
    )
    assert response.status_code == 302
    db.session.refresh(admin_user)
    assert admin_user.role == "editor"


def test_reset_password_ends_sessions_and_is_audited_without_the_hash(client_as, users, app):
    target = users["editor"]
    theirs = app.test_client()
    login(theirs, target)
    old_hash = target.password_hash
    response = client_as("admin").post(
        f"/users/{target.id}/password",
        data={"password": "nieuw wachtwoord 1", "version": target.version},
    )
    assert response.status_code == 302
    assert theirs.get("/").status_code == 302
    db.session.refresh(target)
    assert target.password_hash != old_hash
    assert login(app.test_client(), target, "nieuw wachtwoord 1")
    event = events("user", "reset_password")[-1]
    assert target.password_hash not in (event.after or "")
    short = client_as("admin").post(
        f"/users/{target.id}/password", data={"password": "kort", "version": target.version}
    )
    assert 'id="password-error"' in short.get_data(as_text=True)


def test_access_review_and_csv_export(client_as, users):
    users["manager"].name = '=HYPERLINK("http://evil")'
    db.session.commit()
    client = client_as("admin")
    page = client.get("/users/review").get_data(as_text=True)
    assert all(f'data-email="{u.email}"' in page for u in users.values())
    response = client.get("/users/review.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(strip_preamble(text.lstrip("\ufeff")))))
    by_email = {row["email"]: row for row in rows}
    assert by_email[users["admin"].email]["role"] == "admin"
    assert by_email[users["admin"].email]["last_login_at"] != ""  # the admin just logged in
    assert by_email[users["manager"].email]["name"].startswith("'=")


@pytest.mark.parametrize("role", ["editor", "manager", "auditor"])
def test_non_admins_are_refused_and_nothing_changes(app, client_as, users, role):
    client = client_as(role)
    target = users["editor"] if role != "editor" else users["auditor"]
    role_before = target.role
    for method, path, data in [
        ("get", "/users/", {}),
        ("get", "/users/new", {}),
        *(  # the access review is for auditors too (BIO 5.18), read-only
            [("get", "/users/review", {}), ("get", "/users/review.csv", {})]
            if role != "auditor"
            else []
        ),
        ("post", "/users/new", {"email": "x@gemeente.nl", "role": "admin"}),
        ("post", f"/users/{target.id}", {"role": "admin", "version": target.version}),
        ("post", f"/users/{target.id}/deactivate", {"version": target.version}),
        ("post", f"/users/{target.id}/password", {"password": "x" * 12, "version": target.version}),
    ]:
        assert getattr(client, method)(path, data=data).status_code == 403, path
    db.session.refresh(target)
    assert (target.role, target.active) == (role_before, True)
    assert db.session.query(User).count() == 4
    assert login(app.test_client(), target, PASSWORD)  # the password is unchanged


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/users/", "/users/review", "/users/review.csv"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
