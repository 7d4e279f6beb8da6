"""The interchange format as one Excel workbook (issue 12, item 3)."""

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit.services import audit
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from registry.transfer.services import interchange, workbook
from tests.data.transfer import DATA, run_import, sheets


def test_a_workbook_exported_and_imported_gives_the_same_records_as_the_csv_route(
    app, runner, tmp_path
):
    run_import(interchange.read_folder(DATA / "excel_nl"))
    csv_export = interchange.export_files()
    result = runner.invoke(args=["export", "--format", "xlsx", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    data = (tmp_path / "r.xlsx").read_bytes()
    titles = load_workbook(io.BytesIO(data), read_only=True).sheetnames
    assert titles == list(workbook.SHEET_NAMES)

    # into an empty database: the same records as the CSV export had
    _empty_registry()
    result = runner.invoke(args=["import", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "holdings.csv: 2 new" in result.output
    assert cells(interchange.export_files()) == cells(csv_export)


def cells(files: dict[str, bytes]) -> dict[str, list[list[str]]]:
    """The cells of each file; a line break inside a cell is one in a workbook ("\n", as
    Excel writes it), where a CSV file may hold "\r\n"."""
    return {
        name: [
            [cell.replace("\r\n", "\n") for cell in row]
            for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        ]
        for name, data in files.items()
    }


def _empty_registry():
    from registry.audit.models.audit import AuditEvent, AuditHead
    from registry.catalogue.models.competences import Competence, Framework
    from registry.catalogue.models.services import Provider, Requirement
    from registry.people.models.holdings import Assignment
    from registry.people.models.staff import OrgUnit

    for model in (Holding, Assignment, Requirement, Service, Person, OrgUnit, Competence):
        db.session.execute(model.__table__.delete())
    for model in (Framework, Provider, AuditEvent, AuditHead):
        db.session.execute(model.__table__.delete())
    db.session.commit()


def test_dates_typed_as_excel_dates_and_as_text_both_work(app):
    data = sheets(
        people=[
            ["employee_number", "name", "start_date", "leave_date"],
            ["E1", "Anna", datetime(2020, 1, 31), "2027-06-30"],
            ["E2", "Bram", date(2021, 2, 1), "1-3-2028"],
        ],
        holdings=[
            ["employee_number", "competence", "level", "assessed_on"],
        ],
    )
    plan = interchange.import_files(audit.Actor.system("test"), workbook.workbook_sources(data))
    assert plan.ok, [str(p) for p in plan.problems]
    db.session.commit()
    anna, bram = db.session.scalars(select(Person).order_by(Person.employee_number))
    assert (anna.start_date, anna.leave_date) == (date(2020, 1, 31), date(2027, 6, 30))
    assert (bram.start_date, bram.leave_date) == (date(2021, 2, 1), date(2028, 3, 1))


def test_problems_are_reported_as_sheet_and_row(app):
    data = sheets(
        People=[
            ["employee_number", "name", "start_date"],
            ["E1", "Anna", "2020-02-30"],
            ["E1", "Anna again", None],
        ],
        holdings=[
            ["employee_number", "competence", "level"],
            ["E1", "NOPE", 3.0],
            ["E9", "NOPE", 7],
        ],
        Notes=[["anything"]],
    )
    plan = interchange.plan_import(workbook.workbook_sources(data))
    assert not plan.ok
    texts = [str(p) for p in plan.problems]
    assert any(t.startswith("Notes: Unknown sheet Notes") for t in texts), texts
    assert any(
        t.startswith("People:2: start_date: 2020-02-30 is an impossible date") for t in texts
    )
    assert any(t.startswith("People:3: Duplicate key E1") for t in texts), texts
    assert any(t.startswith("holdings:2: Unknown competence NOPE") for t in texts), texts
    assert any(t.startswith("holdings:3: level: 7 is not a level") for t in texts), texts
    assert db.session.scalar(select(Person.id)) is None


def test_a_file_that_is_no_workbook_gets_a_message(app):
    sources = workbook.workbook_sources(b"PK\x03\x04 not really", "lijst.xlsx")
    plan = interchange.plan_import(sources)
    assert [str(p) for p in plan.problems] == ["lijst.xlsx: lijst.xlsx is not a valid zip file."]
