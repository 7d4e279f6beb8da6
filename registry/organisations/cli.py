"""`registry organisations create|list|update` and `registry users grant|revoke` (the
`--organisation CODE` option of the other commands is `core.cli.organisation_option`)."""

import click

from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.permissions import ROLES
from registry.organisations import rules, services


@click.group("organisations")
def organisations_group():
    """The organisations of the registry (municipalities and others)."""


@organisations_group.command("list")
def list_command():
    """Code, kind and name of every organisation."""
    for organisation in services.all_organisations():
        click.echo(f"{organisation.code:<10} {organisation.kind:<15} {organisation.name}")


def _refused(error: services.OrganisationError):
    db.session.rollback()
    raise click.ClickException(str(error.message))


@organisations_group.command("create")
@click.option("--code", required=True, help="Unique; a municipality's CBS code, e.g. GM0363.")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(rules.KINDS), default="municipality", show_default=True)
def create_command(code, name, kind):
    """Add an organisation."""
    try:
        organisation = services.create(audit.Actor.system(), code, name, kind)
    except services.OrganisationError as error:
        _refused(error)
    db.session.commit()
    click.echo(f"Organisation {organisation.code} ({organisation.name}) created.")


@organisations_group.command("update")
@click.argument("code")
@click.option("--new-code", help="A new code.")
@click.option("--name", help="A new name.")
@click.option("--kind", type=click.Choice(rules.KINDS))
def update_command(code, new_code, name, kind):
    """Rename an organisation or change its code or kind (the upgrade names the one it makes
    ORG, "Organisatie")."""
    organisation = services.by_code(code)
    if organisation is None:
        raise click.ClickException(f"No organisation has code {code}.")
    try:
        services.update(
            audit.Actor.system(),
            organisation,
            new_code or organisation.code,
            name or organisation.name,
            kind or organisation.kind,
        )
    except services.OrganisationError as error:
        _refused(error)
    db.session.commit()
    click.echo(f"Organisation {organisation.code} ({organisation.name}) saved.")


def _user(email: str):
    from registry.accounts.services import users as user_services

    user = user_services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has e-mail address {email}.")
    return user


def _where(code: str | None, region: bool):
    if region == bool(code):
        raise click.UsageError("Give either --organisation CODE or --region.")
    if region or code is None:
        return None
    organisation = services.by_code(code)
    if organisation is None:
        raise click.ClickException(f"No organisation has code {code}.")
    return organisation


@click.command("grant")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--organisation", "code", metavar="CODE", help="A role in this organisation.")
@click.option("--region", is_flag=True, help="A role in every organisation of the region.")
def grant_command(email, role, code, region):
    """Give an account a role in an organisation, or in the whole region."""
    user = _user(email)
    where = _where(code, region)
    try:
        services.grant(audit.Actor.system(), user, where, role)
    except services.OrganisationError as error:
        _refused(error)
    db.session.commit()
    click.echo(f"{user.email}: {role} in {where.code if where else 'the region'}.")


@click.command("revoke")
@click.option("--email", required=True)
@click.option("--organisation", "code", metavar="CODE")
@click.option("--region", is_flag=True)
def revoke_command(email, code, region):
    """Take an account's role in an organisation (or in the region) away."""
    user = _user(email)
    where = _where(code, region)
    if not services.revoke(audit.Actor.system(), user, where):
        raise click.ClickException(f"{user.email} has no role there.")
    db.session.commit()
    click.echo(f"{user.email}: no role in {where.code if where else 'the region'} any more.")


def register(app) -> None:
    app.cli.add_command(organisations_group)
    users_group = app.cli.commands.get("users")
    if users_group is not None:
        users_group.add_command(grant_command)
        users_group.add_command(revoke_command)
