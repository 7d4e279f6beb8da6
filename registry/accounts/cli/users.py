"""`registry users …`: account administration from the command line."""

import sys

import click
from flask.cli import AppGroup

from registry.accounts.services import twofactor, users
from registry.audit.services import audit
from registry.core.database import immediate_writes
from registry.core.extensions import db
from registry.core.permissions import ROLES
from registry.organisations import rules as organisation_rules
from registry.organisations import services as organisation_services

group = AppGroup("users", help="Manage login accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _where(code: str | None, region: bool):
    """Where the new account gets its role: the organisation with `code`, the region, or (with
    neither, in a registry of one organisation) that organisation."""
    if code and region:
        raise click.UsageError("Give either --organisation CODE or --region, not both.")
    if region:
        return None
    if code:
        organisation = organisation_services.by_code(code.strip())
        if organisation is None:
            raise click.UsageError(
                f"No organisation has code {code}; `registry organisations list` shows them."
            )
        return organisation
    if organisation_services.several():
        codes = ", ".join(o.code for o in organisation_services.all_organisations())
        raise click.UsageError(
            "This registry holds several organisations; add --organisation CODE "
            f"({codes}) or --region."
        )
    return users.ACTED_IN


@group.command("create")
@click.option("--email", required=True, help="E-mail address used to log in.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role of the account.")
@click.option("--name", default="", help="Display name.")
@click.option(
    "--organisation",
    "code",
    metavar="CODE",
    help="The role is in this organisation; needed when the registry holds several.",
)
@click.option("--region", is_flag=True, help="The role is in every organisation of the region.")
def create(email: str, role: str, name: str, code: str | None, region: bool) -> None:
    """Create an account; the password is read from standard input or prompted twice. More
    memberships: `registry users grant`."""
    where = _where(code, region)
    password = _read_password()
    immediate_writes()
    try:
        user = users.create_user(
            audit.Actor.system("cli"), email, role, password, name=name, where=where
        )
    except users.UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if where is users.ACTED_IN:
        click.echo(f"Created {user.role} account {user.email}.")
    else:
        place = where.code if where is not None else "the region"
        click.echo(f"Created account {user.email}: {role} in {place}.")


@group.command("list")
def list_users() -> None:
    """Every account: e-mail address, status, role and name; with several organisations its
    memberships instead of the role ("CODE:role", "*:role" for the whole region)."""
    several = organisation_services.several()
    codes: dict[int | None, str] = {o.id: o.code for o in organisation_services.all_organisations()}
    for user in users.all_users():
        status = "active" if user.active else "deactivated"
        if several:
            held = sorted(
                organisation_rules.membership_text(codes.get(m.organisation_id), m.role)
                for m in user.memberships
            )
            roles = ", ".join(held) or "-"
        else:
            roles = user.role or "-"
        click.echo(f"{user.email}\t{status}\t{roles}\t{user.name}")


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
