"""`registry audit verify`: recompute the hash chain of the audit log."""

import click
from flask.cli import AppGroup

from registry.domain import audit_chain
from registry.services import audit

group = AppGroup("audit", help="The tamper-evident audit log.")


def _parse_expect(_ctx, _param, value: str | None):
    if not value:
        return None
    head = audit_chain.parse_head(value)
    if head is None:
        raise click.BadParameter(
            "expected N:HASH (a count, a colon and 64 hexadecimal "
            "characters), as printed by a previous verify"
        )
    return head


@group.command("verify")
@click.option(
    "--expect",
    metavar="N:HASH",
    callback=_parse_expect,
    help="Also fail unless the log still holds this head (noted from an earlier run); "
    "catches events removed from the end.",
)
def verify(expect: tuple[int, str] | None) -> None:
    """Recompute the chain; print the head as N:HASH, or exit 1 naming the first broken event."""
    result = audit.verify_chain(expect)
    if result.ok:
        click.echo(result.head_text)
        return
    where = f"event {result.broken_seq}" if result.broken_seq else "the end of the log"
    click.echo(f"Audit chain broken at {where}: {result.message}", err=True)
    raise SystemExit(1)


def register(app) -> None:
    app.cli.add_command(group)
