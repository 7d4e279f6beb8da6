"""`registry snapshot [--as-of D]`: store each analysed requirement's status for one day, for
the trend page. Run it daily (cron or a systemd timer, see the README); a second run on the
same day replaces that day's snapshot, never duplicates it. It also prepares today's figures
(`gaps/services/prepare.py`), so that the first page of the day is not the one to compute them."""

from datetime import date

import click

from registry.core.cli import as_of_option, organisation_option


@click.command("snapshot")
@organisation_option
@as_of_option("The day to store (default: today). Another day than today is marked as computed.")
def snapshot_command(as_of: date | None) -> None:
    """Store today's (or --as-of's) status of every analysed requirement."""
    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.gaps import services as gaps
    from registry.gaps.services import prepare
    from registry.reports.services import trend

    day, horizon = gaps.resolve(as_of, None)
    count = trend.record_snapshot(audit.Actor.system("cli"), day, horizon)
    db.session.commit()
    prepare.todays_figures()
    click.echo(
        f"Snapshot of {day.isoformat()} stored: {count} requirements (horizon {horizon} days)."
    )


def register(app) -> None:
    app.cli.add_command(snapshot_command)
