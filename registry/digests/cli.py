"""`registry notify`: the daily e-mail digests (one per recipient and day), over SMTP."""

from datetime import date

import click

from registry.core.cli import as_of_option, organisation_option


@click.command("notify")
@organisation_option
@as_of_option("The day the digests are about (default: today).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and write nothing.")
def notify_command(as_of: date | None, dry_run: bool) -> None:
    """Send each service owner, and each user who opted in, one digest for the day: new
    gaps, requirements falling short within the horizon with date and cause, departures,
    expiring assessments and accepted risks, overdue mitigations, ending contracts. A second
    run on the same day sends nothing new (the digest log remembers what went out)."""
    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.digests import services as digests

    as_of = as_of or date.today()
    built = digests.build(as_of)
    sent_before = digests.already_sent(as_of)
    due = [d for d in built if d.recipient.email not in sent_before and not d.empty]
    skipped_sent = sum(d.recipient.email in sent_before for d in built)
    skipped_empty = sum(d.empty and d.recipient.email not in sent_before for d in built)
    for digest in due:
        digests.render(digest)
    if dry_run:
        for digest in due:
            click.echo(f"--- To: {digest.recipient.email} ({digest.recipient.language})")
            click.echo(f"Subject: {digest.subject}")
            click.echo("")
            click.echo(digest.text.rstrip())
            click.echo("")
        click.echo(
            f"Dry run for {as_of.isoformat()}: {len(due)} digest(s) would be sent; "
            f"{skipped_sent} already sent today, {skipped_empty} with nothing to report. "
            "Nothing was sent or written."
        )
        return
    if not due:
        click.echo(
            f"No digests to send for {as_of.isoformat()}: {skipped_sent} already sent today, "
            f"{skipped_empty} with nothing to report."
        )
        return
    try:
        smtp = digests.connect()
    except digests.MailNotConfigured as error:
        raise click.ClickException(f"{error} See the README, section 'Daily digests'.") from None
    except OSError as error:
        raise click.ClickException(f"Cannot reach the SMTP server: {error}") from None
    actor = audit.Actor.system("cli")
    sent = 0
    try:
        with smtp:
            for digest in due:
                smtp.send_message(digests.message(digest))
                # Each sent message is logged and committed at once: the mail cannot be
                # taken back, so a failure later in the run must not make it go out twice.
                digests.record_sent(actor, digest)
                db.session.commit()
                sent += 1
    except OSError as error:  # smtplib's errors are OSErrors too
        db.session.rollback()
        raise click.ClickException(
            f"Sending stopped after {sent} digest(s): {error}. Run again to send the rest."
        ) from None
    click.echo(
        f"Sent {sent} digest(s) for {as_of.isoformat()}; {skipped_sent} already sent today, "
        f"{skipped_empty} with nothing to report."
    )


def register(app) -> None:
    app.cli.add_command(notify_command)
