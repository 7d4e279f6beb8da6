"""`registry privacy`: anonymise people who left long ago, export a person's own data."""

import json
from datetime import date

import click
from flask.cli import AppGroup

from registry.core.cli import organisation_option, parse_day
from registry.core.database import immediate_writes
from registry.privacy import rules

group = AppGroup("privacy", help="Privacy duties (AVG): anonymisation and personal data export.")


def _day(ctx, param, value: str | None) -> date | None:
    day = parse_day(ctx, param, value)
    if day is not None and not rules.may_anonymise(day, date.today()):
        raise click.BadParameter(rules.FUTURE_MESSAGE)
    return day


@group.command("anonymise")
@organisation_option
@click.option(
    "--left-before",
    "left_before",
    callback=_day,
    metavar="YYYY-MM-DD",
    help="Anonymise people whose leave date is before this day "
    "(default: today minus RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Only list who would be anonymised.")
def anonymise(left_before: date | None, dry_run: bool) -> None:
    """Replace the personal fields of people who left before a day with a pseudonym; their
    holdings and assignments stay for history, the audit log is redacted and still verifies."""
    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.privacy import services as privacy

    left_before = left_before or privacy.default_left_before()
    if not dry_run:
        immediate_writes()
    outcome = privacy.anonymise(audit.Actor.system("cli"), left_before, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Dry run: {len(outcome.people)} people left before {left_before.isoformat()} "
            "and would be anonymised."
        )
        for person in outcome.people:
            click.echo(
                f"  {person.employee_number}  {person.name}  left {person.leave_date.isoformat()}"
            )
        return
    db.session.commit()
    click.echo(
        f"Anonymised {len(outcome.people)} people who left before {left_before.isoformat()}; "
        f"{outcome.redacted_events} audit events redacted."
    )


@group.command("export")
@organisation_option
@click.argument("employee_number")
def export(employee_number: str) -> None:
    """Print everything the registry holds about one person as JSON (the export is audited)."""
    from sqlalchemy import select

    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.people.models.staff import Person
    from registry.privacy import services as privacy

    immediate_writes()
    person = db.session.execute(
        select(Person).where(Person.employee_number == employee_number.strip()[:40])
    ).scalar_one_or_none()
    if person is None:
        raise click.ClickException(f"No person has employee number {employee_number!r}.")
    data = privacy.export_person(audit.Actor.system("cli"), person)
    db.session.commit()
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def register(app) -> None:
    app.cli.add_command(group)
