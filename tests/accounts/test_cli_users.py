"""`registry users create` and `registry users set-password`."""

from registry.accounts.models.users import User
from registry.accounts.services import users
from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "ans@example.org", "--role", "auditor"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="ans@example.org").one()
    assert user.role == "auditor"
    assert user.password_hash.startswith("scrypt:")
    assert users.authenticate("ans@example.org", "a long enough secret") is not None
    event = db.session.query(AuditEvent).filter_by(entity="user", action="create").one()
    assert "password_hash" not in (event.after or "")


def test_create_user_refuses_short_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "b@example.org", "--role", "editor"], input="short\n"
    )
    assert result.exit_code != 0
    assert "8" in result.output
    assert db.session.query(User).count() == 0


def test_create_user_refuses_unknown_role_and_duplicate(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "c@example.org", "--role", "boss"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 2
    runner.invoke(
        args=["users", "create", "--email", "c@example.org", "--role", "editor"],
        input="a long enough secret\n",
    )
    result = runner.invoke(
        args=["users", "create", "--email", "C@example.org", "--role", "editor"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 1
    assert db.session.query(User).count() == 1


def test_set_password(runner, users):
    email = users["editor"].email
    result = runner.invoke(
        args=["users", "set-password", "--email", email], input="another good password\n"
    )
    assert result.exit_code == 0, result.output
    assert users_authenticate(email, "another good password")


def users_authenticate(email, password):
    return users.authenticate(email, password) is not None


def test_command_line_messages_can_be_dutch(make_app):
    runner = make_app(CLI_LOCALE="nl").test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "d@example.org", "--role", "editor"], input="short\n"
    )
    assert result.exit_code == 1
    assert "Een wachtwoord moet 8 tot 128 tekens lang zijn." in result.output
