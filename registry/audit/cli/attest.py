"""`registry attest create|export|verify`: attestations from the command line.

`create --as-of D --horizon H --statement TEXT --by EMAIL` freezes the gap report as the
account EMAIL (an active auditor or administrator) and prints the new attestation's ID alone on
its last line. `export ID FILE.zip` writes its bundle, byte for byte the bundle the web page
offers. `verify BUNDLE.zip` checks a bundle without the database: exit 1 naming each file that
does not match its digest in manifest.sha256.
"""

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from registry.audit.rules import attestation as bundles
from registry.core import periods
from registry.core.cli import as_of_option, organisation_option

group = AppGroup("attest", help="Attestations: frozen gap reports with a statement.")


@group.command("create")
@organisation_option
@as_of_option("The day of the gap report.", required=True)
@click.option(
    "--horizon",
    required=True,
    type=click.IntRange(periods.MIN_HORIZON, periods.MAX_HORIZON),
    metavar="DAYS",
)
@click.option("--statement", required=True, help="What is attested (at most 4000 characters).")
@click.option("--by", "email", required=True, metavar="EMAIL", help="The attesting account.")
def create(as_of: date, horizon: int, statement: str, email: str) -> None:
    """Freeze the gap report of AS_OF and HORIZON with STATEMENT; print the new ID last."""
    from sqlalchemy import func, select

    from registry.accounts.models.users import User
    from registry.audit.services import attestations, audit
    from registry.core.database import immediate_writes
    from registry.core.errors import ServiceError
    from registry.core.extensions import db

    immediate_writes()
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.active:
        click.echo(f"No active account with the e-mail address {email}.", err=True)
        sys.exit(1)
    try:
        att = attestations.create(
            audit.Actor(user.id, user.email, user.role, "cli"), user, as_of, horizon, statement
        )
    except ServiceError as error:
        db.session.rollback()
        click.echo(f"--{(error.field or 'statement').replace('_', '-')}: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"Attestation made: as of {as_of.isoformat()}, horizon {horizon} days, "
        f"audit head {attestations.head_text(att)}, report.csv sha256 {att.report_sha256}."
    )
    click.echo(str(att.id))


@group.command("export")
@organisation_option
@click.argument("attestation_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export(attestation_id: int, file: Path) -> None:
    """Write the bundle of attestation ATTESTATION_ID to FILE (a ZIP)."""
    from registry.audit.services import attestations

    att = attestations.get(attestation_id)
    if att is None:
        click.echo(f"There is no attestation {attestation_id}.", err=True)
        sys.exit(1)
    file.write_bytes(attestations.bundle(att))
    click.echo(f"{file}: attestation {att.id}, as of {att.as_of.isoformat()}.")


@group.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(bundle: Path) -> None:
    """Check BUNDLE against its manifest.sha256, without the database."""
    good, problems = bundles.verify_bundle(bundle.read_bytes(), bundle.name)
    for name in good:
        click.echo(f"{name}: OK")
    for problem in problems:
        click.echo(f"{problem.name}: FAILED — {_(problem.message, **problem.details)}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{bundle.name}: every file matches its manifest.")


def register(app) -> None:
    app.cli.add_command(group)
