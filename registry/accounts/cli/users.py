"""`registry users …`: account administration from the command line."""

import sys

import click
from flask.cli import AppGroup

from registry.accounts.services import twofactor, users
from registry.audit.services import audit
from registry.core.database import immediate_writes
from registry.core.extensions import db
from registry.core.permissions import ROLES

group = AppGroup("users", help="Manage login accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@group.command("create")
@click.option("--email", required=True, help="E-mail address used to log in.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role of the account.")
@click.option("--name", default="", help="Display name.")
def create(email: str, role: str, name: str) -> None:
    """Create an account; the password is read from standard input or prompted twice."""
    password = _read_password()
    immediate_writes()
    try:
        user = users.create_user(audit.Actor.system("cli"), email, role, password, name=name)
    except users.UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")


@group.command("set-password")
@click.option("--email", required=True, help="E-mail address of the account.")
def set_password(email: str) -> None:
    """Set a new password (from standard input or prompted twice); ends the user's sessions."""
    password = _read_password()
    immediate_writes()
    user = users.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail address {email}.")
    try:
        users.check_password_rules(password)
    except users.UserError as error:
        raise click.ClickException(str(error)) from None
    user.password_hash = users.hash_password(password)
    users.end_other_sessions(user)
    audit.record(audit.Actor.system("cli"), "reset_password", "user", user.id)
    db.session.commit()
    click.echo(f"Password of {email} changed; the account's sessions have ended.")


@group.command("reset-2fa")
@click.option("--email", required=True, help="E-mail address of the account.")
def reset_2fa(email: str) -> None:
    """Switch off two-factor authentication of an account (a lost phone); ends its sessions.
    An account whose role requires it sets it up again at its next log-in."""
    immediate_writes()
    user = users.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail address {email}.")
    if user.totp_secret is None:
        db.session.rollback()
        raise click.ClickException(f"Two-factor authentication is off for {email}.")
    twofactor.disable(audit.Actor.system("cli"), user, "reset_2fa")
    db.session.commit()
    click.echo(f"Two-factor authentication of {email} reset; the account's sessions have ended.")


def register(app) -> None:
    app.cli.add_command(group)
