"""`registry audit verify`: recompute the hash chain of the audit log."""

import click
from flask.cli import AppGroup

from registry.services import audit

group = AppGroup("audit", help="The tamper-evident audit log.")


def _parse_expect(value: str | None):
    if not value:
        return None
    count, sep, digest = value.partition(":")
    if not sep or not count.isdigit() or len(digest) != 64:
        raise click.BadParameter("expected N:HASH, as printed by a previous verify")
    return int(count), digest.lower()


@group.command("verify")
@click.option("--expect", metavar="N:HASH", help="Also fail unless the log still holds this head.")
def verify(expect: str | None) -> None:
    """Recompute the chain; print the head as N:HASH, or exit 1 naming the first broken event."""
    result = audit.verify_chain(_parse_expect(expect))
    if result.ok:
        click.echo(result.head_text)
        return
    where = f"event {result.broken_seq}" if result.broken_seq else "the end of the log"
    click.echo(f"Audit chain broken at {where}: {result.reason}.", err=True)
    raise SystemExit(1)


def register(app) -> None:
    app.cli.add_command(group)
