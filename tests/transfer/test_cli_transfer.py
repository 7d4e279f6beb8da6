"""`registry import`, `registry export` and `registry demo --if-empty` on the command line."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.audit.models.audit import AuditEvent
from registry.catalogue.models.competences import Competence
from registry.core.extensions import db
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from registry.transfer.services import interchange
from tests import factories

DATA = Path(__file__).parents[1] / "data" / "interchange"


@pytest.fixture
def cli(app, make_app):
    """A CLI runner in a context of its own (the command line speaks English)."""
    return make_app().test_cli_runner()


def count(model) -> int:
    db.session.rollback()  # read what the command committed
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_prints_the_counts_per_file_and_commits(cli):
    result = cli.invoke(args=["import", str(DATA / "excel_nl")])
    assert result.exit_code == 0, result.stderr
    assert "people.csv: 2 new, 0 changed, 0 unchanged" in result.stdout
    assert "holdings.csv: 2 new, 0 changed, 0 unchanged" in result.stdout
    assert count(Person) == 2 and count(Holding) == 2
    actors = set(db.session.scalars(select(AuditEvent.actor_role)))
    assert actors == {"system"}


def test_a_second_import_reports_unchanged_rows(cli):
    cli.invoke(args=["import", str(DATA / "excel_nl")])
    result = cli.invoke(args=["import", str(DATA / "excel_nl")])
    assert result.exit_code == 0
    assert "competences.csv: 0 new, 0 changed, 2 unchanged" in result.stdout


def test_a_broken_folder_prints_every_problem_and_writes_nothing(cli):
    factories.make_person(employee_number="E0")
    db.session.commit()
    events = count(AuditEvent)
    result = cli.invoke(args=["import", str(DATA / "broken")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "competences.csv:1: Unknown column colour; the columns of competences.csv are: code, "
        "name, framework, area, description, retired, name_en, description_en.",
        "competences.csv:3: Duplicate key C1: it is also on line 2.",
        "people.csv:2: start_date: 2024-02-30 is an impossible date.",
    ]
    assert "people.csv:3: leave_date 2024-04-30 is before start_date 2024-05-01." in lines
    assert (
        "services.csv:2: Unknown owner E9: it is neither in the registry nor in "
        "people.csv." in lines
    )
    assert "holdings.csv:2: level: 6 is not a level; use a whole number from 1 to 5." in lines
    assert lines[-1] == "Problems found: 10; nothing was imported."
    assert result.stdout == ""
    assert count(Person) == 1 and count(Competence) == 0 and count(AuditEvent) == events


def test_dry_run_checks_and_counts_but_writes_nothing(cli):
    result = cli.invoke(args=["import", "--dry-run", str(DATA / "excel_nl")])
    assert result.exit_code == 0
    assert "services.csv: 1 new, 0 changed, 0 unchanged" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert count(Person) == 0 and count(AuditEvent) == 0


def test_dry_run_of_a_broken_folder_fails(cli):
    result = cli.invoke(args=["import", "--dry-run", str(DATA / "broken")])
    assert result.exit_code == 1
    assert "holdings.csv:3: Unknown competence C9" in result.stderr


def test_a_folder_without_csv_files_is_an_error(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = cli.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1
    assert "holds no CSV files" in result.stderr


def test_export_creates_the_folder_and_round_trips(cli, tmp_path):
    cli.invoke(args=["import", str(DATA / "excel_nl")])
    target = tmp_path / "a" / "b"
    result = cli.invoke(args=["export", str(target)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in target.iterdir()) == sorted(interchange.export_files())
    again = cli.invoke(args=["export", str(target)])  # same contents: nothing to refuse
    assert again.exit_code == 0
    people = (target / "people.csv").read_bytes()
    assert people.startswith(b"\xef\xbb\xbfemployee_number,")
    assert b"'=Regisseur" in people


def test_export_refuses_to_replace_different_files_unless_told(cli, tmp_path):
    (tmp_path / "people.csv").write_bytes(b"employee_number,name\nX,mine\n")
    (tmp_path / "notes.txt").write_text("keep")
    result = cli.invoke(args=["export", str(tmp_path)])
    assert result.exit_code == 1
    assert "people.csv" in result.stderr and "--overwrite" in result.stderr
    assert (tmp_path / "people.csv").read_bytes() == b"employee_number,name\nX,mine\n"
    result = cli.invoke(args=["export", "--overwrite", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "people.csv").read_bytes().startswith(b"\xef\xbb\xbfemployee_number")
    assert (tmp_path / "notes.txt").read_text() == "keep"
    assert not list(tmp_path.glob(".*.tmp"))


def test_demo_if_empty_leaves_a_filled_database_alone(cli):
    factories.make_person()
    db.session.commit()
    result = cli.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "The database already has data; demo not loaded." in result.stdout
    assert count(Competence) == 0
    result = cli.invoke(args=["demo"])
    assert result.exit_code == 1
    assert count(Competence) == 0
