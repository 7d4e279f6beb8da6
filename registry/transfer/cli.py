"""`registry import`, `registry export` and `registry demo` (the interchange format).

`import DIR|FILE.xlsx [--dry-run]` reads every *.csv file of DIR (or every sheet of an Excel
workbook), prints what it creates and changes per file, and writes everything in one
transaction, or nothing: on any problem it prints each as `file:line: message` (`sheet:row:`)
to standard error and exits with status 1. After an import the planner statistics of the
tables it wrote are refreshed, and today's figures are computed and kept for the web pages.

`export DIR` writes the six files into DIR (created when needed). It never silently replaces
a file with different contents: when DIR already holds one, it stops and names the files
unless `--overwrite` is given. Files that would be written unchanged are fine, so exporting
twice into the same folder just works. Other files in DIR are left alone.
`export --format xlsx FILE` writes one workbook with a sheet per file instead.

`demo [--if-empty]` loads Gemeente Voorbeeldstad into an empty database and prints the demo
accounts with their generated passwords, once. `demo --region` loads the small region around it
(`transfer/services/demo.py`): four organisations, with accounts per organisation and for the
region.
"""

import sys
from pathlib import Path

import click
from flask_babel import gettext as _

from registry.audit.services import audit
from registry.core.cli import organisation_option
from registry.core.database import immediate_writes, read_one_snapshot
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.transfer.services import demo, imports, interchange, workbook


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


def _print_counts(plan: interchange.ImportPlan, dry_run: bool) -> None:
    for name, counts in plan.counts.items():
        click.echo(
            _(
                "%(file)s: %(create)s new, %(update)s changed, %(unchanged)s unchanged",
                file=name,
                create=counts.create,
                update=counts.update,
                unchanged=counts.unchanged,
            )
        )
    labels = {
        "framework": _("new frameworks"),
        "provider": _("new providers"),
        "org_unit": _("new org units"),
    }
    for kind, names in plan.new_references.items():
        click.echo(f"{labels[kind]}: {len(names)}")
    if dry_run:
        click.echo(_("Dry run: nothing was written."))


def import_and_commit(files: interchange.ImportFiles, actor: audit.Actor) -> interchange.ImportPlan:
    """Import `files` (CSV bytes by name, or a workbook's sources) in one transaction and
    commit it, then refresh the planner statistics of the tables it wrote and prepare today's
    figures (`transfer.services.imports`); on problems roll back. What `registry import` and
    `registry bench` do."""
    immediate_writes()
    try:
        plan = interchange.import_files(actor, files)
        if not plan.ok:
            db.session.rollback()
            return plan
        db.session.commit()
        imports.finish(plan)
    except Exception:
        db.session.rollback()
        raise
    return plan


@click.command("import")
@organisation_option
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the files and show the counts; write nothing.")
def import_command(source: Path, dry_run: bool) -> None:
    """Import the interchange CSV files of a folder, or one Excel workbook (.xlsx) with a sheet
    per file: all of it, or nothing."""
    files: interchange.ImportFiles
    if source.is_dir():
        files = interchange.read_folder(source)
        if not files:
            _fail([_("%(folder)s holds no CSV files.", folder=str(source))])
    elif source.suffix.lower() == ".xlsx":
        files = workbook.workbook_sources(source.read_bytes(), source.name)
    else:
        _fail(
            [
                _(
                    "%(file)s is neither a folder of CSV files nor an .xlsx workbook.",
                    file=str(source),
                )
            ]
        )
    if dry_run:
        plan = interchange.plan_import(files)
        db.session.rollback()
    else:
        plan = import_and_commit(files, audit.Actor.system("cli"))
    if not plan.ok:
        _fail(
            [str(problem) for problem in plan.problems]
            + [_("Problems found: %(count)s; nothing was imported.", count=len(plan.problems))]
        )
    _print_counts(plan, dry_run)


@click.command("export")
@organisation_option
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "kind",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="csv: a folder of CSV files; xlsx: one workbook with a sheet per file.",
)
@click.option("--overwrite", is_flag=True, help="Replace files that differ.")
def export_command(target: Path, kind: str, overwrite: bool) -> None:
    """Write every interchange file into the folder TARGET (created when needed), or with
    --format xlsx into the workbook TARGET."""
    read_one_snapshot(db.session)
    if kind == "xlsx":
        data = workbook.export_workbook()
        db.session.rollback()
        if target.exists() and not overwrite:
            _fail(
                [
                    _(
                        "%(file)s already exists. Choose another name, or use --overwrite to "
                        "replace it.",
                        file=str(target),
                    )
                ]
            )
        interchange.write_folder(
            target.parent if str(target.parent) else Path("."), {target.name: data}
        )
        click.echo(_("Wrote the workbook %(file)s.", file=str(target)))
        return
    directory = target
    files = interchange.export_files()
    db.session.rollback()
    conflicts = (
        []
        if overwrite or not directory.exists()
        else interchange.conflicting_files(directory, files)
    )
    if conflicts:
        _fail(
            [
                _(
                    "%(folder)s already holds other versions of: %(files)s. Choose an empty "
                    "folder, or use --overwrite to replace them.",
                    folder=str(directory),
                    files=", ".join(conflicts),
                )
            ]
        )
    interchange.write_folder(directory, files)
    click.echo(_("Wrote %(count)s files to %(folder)s.", count=len(files), folder=str(directory)))


@click.command("demo")
@organisation_option
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has data."
)
@click.option(
    "--region",
    is_flag=True,
    help="Load a small region: Voorbeeldstad, two neighbouring municipalities and the "
    "region's shared-service centre, each an organisation of its own, with accounts per "
    "organisation and for the whole region.",
)
def demo_command(if_empty: bool, region: bool) -> None:
    """Load the demo municipality Gemeente Voorbeeldstad into an empty database."""
    immediate_writes()
    try:
        if not demo.database_is_empty():
            db.session.rollback()
            if if_empty:
                click.echo(_("The database already has data; demo not loaded."))
                return
            raise click.ClickException(
                _("The database already has data; the demo is only loaded into an empty database.")
            )
        actor = audit.Actor.system("cli")
        if region:
            groups = demo.load_region(actor)
        else:
            accounts = demo.load_demo(actor)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except Exception:
        db.session.rollback()
        raise
    if region:
        _print_region(groups)
        return
    click.echo(
        _("Gemeente Voorbeeldstad is loaded. Demo accounts (the passwords are shown only now):")
    )
    _print_accounts(accounts)


def _print_accounts(accounts: list[demo.Account], indent: str = "  ") -> None:
    for email, role, password in accounts:
        click.echo(f"{indent}{role:<8} {email:<36} {password}")


def _print_region(groups) -> None:
    """The organisations loaded, and each one's demo accounts under its code and name."""
    organisations = [organisation for organisation, _accounts in groups if organisation]
    click.echo(
        f"The region is loaded: {len(organisations)} organisations. "
        "Demo accounts (the passwords are shown only now):"
    )
    for organisation, accounts in groups:
        if organisation is None:
            click.echo("  The whole region (a role in every organisation):")
        else:
            click.echo(f"  {organisation.code} {organisation.name}:")
        _print_accounts(accounts, indent="    ")


def register(app) -> None:
    for command in (import_command, export_command, demo_command):
        app.cli.add_command(command)
