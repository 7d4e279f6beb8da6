"""`registry audit verify|export|anchor`: recompute the hash chain of the audit log, export
it for verification by others (docs/AUDIT.md), and anchor its head outside the database."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from registry.audit.rules import audit_chain
from registry.audit.services import audit

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
@click.option(
    "--anchors",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of heads noted earlier (`registry audit anchor --file`): the log must still "
    "pass through every one; catches a removed or rewritten tail.",
)
def verify(expect: tuple[int, str] | None, anchor_file: Path | None) -> None:
    """Recompute the chain; print the head as N:HASH, or exit 1 naming the first broken event."""
    from registry.audit.services import audit_export

    anchors: list[tuple[int, str]] = []
    if anchor_file is not None:
        anchors, problems = audit_export.read_anchors(anchor_file)
        if problems:
            for line in problems:
                click.echo(line, err=True)
            sys.exit(2)
    result = audit.verify_chain(expect, anchors)
    if result.ok:
        click.echo(result.head_text)
        return
    where = f"event {result.broken_seq}" if result.broken_seq else "the end of the log"
    click.echo(f"Audit chain broken at {where}: {result.message}", err=True)
    raise SystemExit(1)


@group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl"]),
    default="jsonl",
    show_default=True,
    help="JSON lines: one event per line, exactly the fields the hash covers.",
)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export(fmt: str, file: Path) -> None:
    """Write every event to FILE for independent verification (see docs/AUDIT.md)."""
    from registry.audit.services import audit_export

    count = audit_export.write_export(file)
    click.echo(f"{file}: {count} events.")


@group.command("anchor")
@click.option(
    "--file",
    "anchor_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the head to this file (keep it outside the database's reach).",
)
@click.option(
    "--mail",
    is_flag=True,
    help="Mail the head to REGISTRY_AUDIT_ANCHOR_TO through the REGISTRY_SMTP_* server.",
)
def anchor(anchor_file: Path | None, mail: bool) -> None:
    """Note the current head outside the database: append it to a file and/or mail it.

    The chain is verified first; a broken chain is reported (exit 1) and not anchored."""
    from registry.audit.services import audit_export, refusals
    from registry.core.database import immediate_writes
    from registry.core.extensions import db

    if anchor_file is None and not mail:
        raise click.UsageError("give --file FILE, --mail, or both")
    immediate_writes()
    refusals.flush_expired()  # pending refusal counts belong in the anchored log
    db.session.commit()
    try:
        noted = audit_export.current_anchor()
    except ValueError as error:
        click.echo(f"Not anchored: the audit chain is broken: {error}", err=True)
        sys.exit(1)
    if anchor_file is not None:
        audit_export.append_anchor(anchor_file, noted)
        click.echo(f"{anchor_file}: {noted.head}")
    if mail:
        try:
            to = audit_export.mail_anchor(noted)
        except audit_export.MailNotConfigured as error:
            click.echo(f"Not mailed: {error}.", err=True)
            sys.exit(1)
        except OSError as error:
            click.echo(f"Not mailed: {error}", err=True)
            sys.exit(1)
        click.echo(f"mailed to {to}: {noted.head}")


def register(app) -> None:
    app.cli.add_command(group)
