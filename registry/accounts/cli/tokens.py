"""`registry tokens …`: API tokens from the command line (create, list, revoke)."""

import click
from flask.cli import AppGroup

from registry.accounts.models.tokens import TOKEN_SCOPES, ApiToken
from registry.accounts.services import tokens as token_service
from registry.accounts.services import users
from registry.audit.services import audit
from registry.core.database import immediate_writes
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.organisations import services as organisation_services

group = AppGroup("tokens", help="Manage API tokens.")


@group.command("create")
@click.option("--user", "email", required=True, help="E-mail address of the account it acts as.")
@click.option("--scope", required=True, type=click.Choice(TOKEN_SCOPES), help="read or write.")
@click.option(
    "--expires",
    "days",
    required=True,
    type=click.IntRange(1, token_service.MAX_DAYS),
    metavar="DAYS",
    help="Days until the token expires.",
)
@click.option("--name", default=None, help="What the token is for (shown in lists).")
@click.option(
    "--organisation",
    "code",
    metavar="CODE",
    help="Narrow the token to this organisation: it acts there only (default: in every "
    "organisation the account may act in).",
)
def create(email: str, scope: str, days: int, name: str | None, code: str | None) -> None:
    """Create a token; the token itself is printed once, alone on the last line."""
    immediate_writes()
    organisation = None
    if code:
        organisation = organisation_services.by_code(code.strip())
        if organisation is None:
            raise click.UsageError(
                f"No organisation has code {code}; `registry organisations list` shows them."
            )
    try:
        token, secret = token_service.create_token(
            audit.Actor.system("cli"),
            users.find_by_email(email),
            scope,
            days,
            name=name,
            organisation=organisation,
        )
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    narrowed = f" in {organisation.code} only" if organisation is not None else ""
    click.echo(
        f"Created {token.scope} token {token.id} ({token.name}) for {token.user.email}"
        f"{narrowed}, valid until {token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only now:"
    )
    click.echo(secret)


@group.command("list")
def list_tokens() -> None:
    """Every token: id, status, scope, account, expiry and last use; with several
    organisations also where it acts (an organisation's code, or `all` of the account's)."""
    several = organisation_services.several()
    for token in token_service.list_tokens():
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        where = ""
        if several:
            where = f"{token.organisation.code if token.organisation else 'all'}\t"
        click.echo(
            f"{token.id}\t{token_service.status(token)}\t{token.scope}\t{where}"
            f"{token.user.email}\t"
            f"expires {token.expires_at:%Y-%m-%d}\tlast used {used}\t{token.prefix}…\t{token.name}"
        )


@group.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke a token by id: it gets 401 from now on."""
    immediate_writes()
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No token with id {token_id}.")
    token_service.revoke_token(audit.Actor.system("cli"), token)
    db.session.commit()
    click.echo(f"Token {token_id} is revoked.")


def register(app) -> None:
    app.cli.add_command(group)
