"""Web import: damaged zips answer a message, workbooks import like CSV files, and large
imports run as a background job that gives the upload back when it fails (issue 10 item 5,
issue 12 item 3)."""

import io
import re
import struct
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.core.extensions import db
from registry.people.models.holdings import Holding
from registry.people.models.staff import Person
from registry.transfer.services import interchange
from registry.transfer.web import jobs as transfer_jobs
from tests.data.transfer import FILES, _counts, _counts_shown, _preview, _upload, sheets
from tests.support import login

PEOPLE = "employee_number,name\nE1,Anna\nE2,Bram\n" * 1


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


def _client(app, users):
    client = app.test_client()
    login(client, users["editor"])
    client.post("/language", data={"lang": "en"})
    return client


@pytest.fixture
def editor(make_app, users, uploads):
    return _client(make_app(TRANSFER_UPLOAD_FOLDER=str(uploads)), users)


def _zip(method=zipfile.ZIP_DEFLATED, content=PEOPLE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("people.csv")
        info.compress_type = method
        archive.writestr(info, content)
    return buffer.getvalue()


def _encrypted() -> bytes:
    """The "encrypted" flag set in both headers (as a password-protected zip has it)."""
    data = bytearray(_zip())
    data[6] |= 0x1  # local header: general purpose flags
    data[data.index(b"PK\x01\x02") + 8] |= 0x1  # central directory: the same flags
    return bytes(data)


def _bad_crc() -> bytes:
    data = bytearray(_zip(zipfile.ZIP_STORED))
    at = data.index(b"Anna")
    data[at : at + 4] = b"Anne"
    return bytes(data)


def _damaged_stream() -> bytes:
    data = bytearray(_zip(zipfile.ZIP_DEFLATED, PEOPLE * 200))
    start = 30 + len("people.csv")  # the first member's data follows its local header
    data[start + 5 : start + 25] = b"\xff" * 20
    return bytes(data)


def _lying_size() -> bytes:
    """A member whose headers say it unpacks to 10 bytes."""
    data = bytearray(_zip(zipfile.ZIP_DEFLATED, PEOPLE * 200))
    struct.pack_into("<I", data, 22, 10)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # central directory: uncompressed size
    return bytes(data)


def _truncated() -> bytes:
    data = _zip(zipfile.ZIP_DEFLATED, PEOPLE * 200)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "archive, message",
    [
        (_bad_crc(), "people.csv in a.zip is damaged or incomplete"),
        (_damaged_stream(), "people.csv in a.zip is damaged or incomplete"),
        (_lying_size(), "people.csv in a.zip is damaged or incomplete"),
        (_truncated(), "a.zip is not a valid zip file."),
        (_encrypted(), "people.csv in a.zip is protected with a password"),
        (_zip(zipfile.ZIP_BZIP2), "people.csv in a.zip is compressed with a method"),
        (_zip(zipfile.ZIP_LZMA), "people.csv in a.zip is compressed with a method"),
    ],
    ids=["bad-crc", "damaged", "lying-size", "truncated", "encrypted", "bzip2", "lzma"],
)
def test_damaged_zips_get_a_message_not_an_error(editor, uploads, archive, message):
    response = _upload(editor, {"a.zip": archive})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not uploads.exists() or not any(uploads.iterdir())
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_workbook_is_previewed_and_applied_like_csv_files(editor, client_as):
    token, _html = _preview(editor, FILES)
    editor.post("/transfer/apply", data={"token": token})
    response = client_as("auditor").get("/transfer/export.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.get_data())).sheetnames[0] == "competences"
    _token, html = _preview(editor, {"export.xlsx": response.get_data()})
    shown = _counts_shown(html)
    assert shown["people.csv"] == (0, 0, 2) and shown["holdings.csv"] == (0, 0, 2)


def test_a_workbook_with_problems_shows_sheet_and_row(editor):

    data = sheets(people=[["employee_number", "name", "leave_date"], ["E1", "Anna", "morgen"]])
    response = _upload(editor, {"lijst.xlsx": data})
    html = response.get_data(as_text=True)
    assert "people:2: leave_date: morgen is not a date" in html


@pytest.fixture
def background(make_app, users, uploads):
    """An app that applies every upload in the background."""
    app = make_app(TRANSFER_UPLOAD_FOLDER=str(uploads), TRANSFER_BACKGROUND_BYTES=0)
    return _client(app, users)


def _apply_in_background(client, files) -> str:
    token, _html = _preview(client, files)
    response = client.post("/transfer/apply", data={"token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/transfer/status/{token}"
    return token


def test_a_large_import_runs_in_the_background_and_reports_its_outcome(background, uploads):
    token = _apply_in_background(background, FILES)
    transfer_jobs.wait_for_jobs()
    status = transfer_jobs.read_status(uploads / f"{token}.applying")
    assert status["state"] == transfer_jobs.DONE
    response = background.get(f"/transfer/status/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/transfer/"
    assert "The import has been applied" in background.get("/transfer/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Holding)) == 2
    assert not (uploads / f"{token}.applying").exists()


def test_the_status_page_shows_progress_while_the_job_runs(background, uploads):
    token, _html = _preview(background, FILES)
    folder = uploads / token
    folder.rename(uploads / f"{token}.applying")  # as a claimed upload whose job is running
    transfer_jobs.write_status(
        uploads / f"{token}.applying",
        {"state": "running", "beat": __import__("time").time(), "file": "people.csv", "rows": 2},
    )
    page = background.get(f"/transfer/status/{token}").get_data(as_text=True)
    assert "Reading people.csv: 2 rows checked and written so far." in page
    assert '<meta http-equiv="refresh"' in page


def test_a_failed_background_import_writes_nothing_and_gives_the_upload_back(
    background, uploads, monkeypatch
):
    before = _counts()

    def breaks(actor, files, progress=None):
        raise RuntimeError("worker lost its database")

    monkeypatch.setattr(interchange, "import_files", breaks)
    token = _apply_in_background(background, FILES)
    transfer_jobs.wait_for_jobs()
    response = background.get(f"/transfer/status/{token}")
    assert response.headers["Location"] == f"/transfer/preview/{token}"
    assert "The import was interrupted" in background.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert _counts() == before
    assert (uploads / token).is_dir()  # released: it can be applied again


def test_a_job_whose_worker_died_is_reported_and_released(background, uploads):
    token, _html = _preview(background, FILES)
    (uploads / token).rename(uploads / f"{token}.applying")
    transfer_jobs.write_status(uploads / f"{token}.applying", {"state": "running", "beat": 0})
    response = background.get(f"/transfer/status/{token}")
    assert response.headers["Location"] == f"/transfer/preview/{token}"
    assert (uploads / token).is_dir()


def test_problems_found_by_a_background_job_are_shown(background, uploads, monkeypatch):
    token, _html = _preview(background, FILES)
    # someone deletes what the files refer to between preview and apply
    real = interchange.import_files

    def with_a_problem(actor, files, progress=None):
        plan = real(actor, files, progress)
        plan.problems.append(interchange.Problem("people.csv", 3, "Something changed."))
        return plan

    monkeypatch.setattr(interchange, "import_files", with_a_problem)
    background.post("/transfer/apply", data={"token": token})
    transfer_jobs.wait_for_jobs()
    page = background.get(f"/transfer/status/{token}").get_data(as_text=True)
    assert "Nothing was imported" in page and "people.csv:3: Something changed." in page
    assert db.session.scalar(select(func.count()).select_from(Holding)) == 0
    assert re.search(r'data-outcome="not-applied"', page)
