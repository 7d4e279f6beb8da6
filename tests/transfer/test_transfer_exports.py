"""The export as the page asks for it: written in the background, sent at once when it is
ready within a few seconds, otherwise followed on a status page until its download link
appears; only for the user who asked, for a limited time."""

import io
import re
import threading
import time
import zipfile

import pytest
from openpyxl import load_workbook

from registry.core.extensions import db
from registry.transfer.services import interchange, workbook
from registry.transfer.web import exports
from tests import factories
from tests.support import PASSWORD, login


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "exports"


@pytest.fixture
def export_app(make_app, folder):
    """Requests wait until the export is written: the page sends it at once."""
    return make_app(TRANSFER_EXPORT_FOLDER=str(folder), TRANSFER_EXPORT_WAIT=None)


@pytest.fixture
def background_app(make_app, folder):
    """Requests do not wait: every export is followed on its status page."""
    return make_app(TRANSFER_EXPORT_FOLDER=str(folder), TRANSFER_EXPORT_WAIT=0)


@pytest.fixture
def registry(app):
    records = factories.make_one_of_each()
    db.session.commit()
    return records


def _client(app, user, lang="en"):
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": lang})
    return client


def _token(location: str) -> str:
    return re.search(r"/transfer/exports/([A-Za-z0-9_-]+)", location).group(1)


def _cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


class Gate:
    """Holds every export just before its holdings until the test opens it."""

    def __init__(self):
        self.reached, self.opened = threading.Event(), threading.Event()

    def open(self):
        self.opened.set()
        exports.wait_for_exports()


@pytest.fixture
def gate(monkeypatch):
    gate = Gate()
    real = interchange.export_rows

    def held_rows(rows):
        gate.reached.set()
        gate.opened.wait(timeout=60)
        yield from rows

    def held():
        for spec, rows in real():
            yield spec, held_rows(rows) if spec.name == "holdings.csv" else rows

    monkeypatch.setattr(interchange, "export_rows", held)
    yield gate
    gate.open()


def test_the_workbook_is_sent_at_once_when_it_is_ready(export_app, users, registry):
    client = _client(export_app, users["manager"])
    response = client.post("/transfer/exports", data={"format": "xlsx"})
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    assert download.mimetype == workbook.MEDIA_TYPE
    disposition = download.headers["Content-Disposition"]
    assert "attachment" in disposition and re.search(r"kennisborg-export-\d{8}\.xlsx", disposition)
    assert download.headers["Cache-Control"] == "no-store"
    assert _cells(download.get_data()) == _cells(workbook.export_workbook())
    assert len(_cells(download.get_data())["people"]) == 1 + 1  # header and the one person


def test_the_zip_holds_every_file_and_its_readme(export_app, users, registry):
    client = _client(export_app, users["auditor"])
    response = client.post("/transfer/exports", data={"format": "zip"})
    download = client.get(response.headers["Location"])
    assert download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    files = {name: archive.read(name) for name in archive.namelist()}
    readme = files.pop("README.txt").decode()
    assert files == interchange.export_files()
    assert users["auditor"].email in readme


def test_a_large_export_is_followed_until_its_link_appears(background_app, users, registry, gate):
    client = _client(background_app, users["editor"])
    response = client.post("/transfer/exports", data={"format": "xlsx"})
    assert response.status_code == 303
    status_url = response.headers["Location"]
    assert status_url == f"/transfer/exports/{_token(status_url)}"
    page = client.get(status_url).get_data(as_text=True)
    assert 'data-outcome="running"' in page and '<meta http-equiv="refresh"' in page
    assert "Export: Excel workbook" in page
    assert client.get(f"{status_url}/file").headers["Location"] == status_url  # not yet

    gate.open()
    page = client.get(status_url).get_data(as_text=True)
    assert 'data-outcome="ready"' in page and "http-equiv" not in page
    assert re.search(r"The export is ready: kennisborg-export-\d{8}\.xlsx, \d+\.\d MB\.", page)
    assert f'href="{status_url}/file"' in page
    download = client.get(f"{status_url}/file")
    assert download.status_code == 200
    assert _cells(download.get_data()) == _cells(workbook.export_workbook())


def test_the_status_page_says_how_far_the_export_got_in_dutch(
    background_app, users, registry, gate
):
    client = _client(background_app, users["manager"], lang="nl")
    status_url = client.post("/transfer/exports", data={"format": "zip"}).headers["Location"]
    assert gate.reached.wait(timeout=60)
    page = client.get(status_url).get_data(as_text=True)
    assert "Export: zipbestand met CSV-bestanden" in page
    assert "Bezig met holdings.csv: 0 rijen tot nu toe." in page
    gate.open()
    page = client.get(status_url).get_data(as_text=True)
    assert "De export is klaar" in page


def test_records_saved_while_it_is_written_are_not_half_in_the_export(
    background_app, users, registry, gate
):
    """The export reads one moment: a person and a holding saved after people.csv was written
    appear in neither file (holdings.csv would otherwise name a person the zip lacks, and the
    zip would no longer import)."""
    client = _client(background_app, users["manager"])
    status_url = client.post("/transfer/exports", data={"format": "zip"}).headers["Location"]
    assert gate.reached.wait(timeout=60)  # people.csv is written; holdings.csv is next
    newcomer = factories.make_person(name="Nieuwe Collega")
    factories.make_holding(person=newcomer, competence=registry["competence"])
    db.session.commit()
    gate.open()
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{status_url}/file").get_data()))
    assert "Nieuwe Collega" not in archive.read("people.csv").decode()
    assert newcomer.employee_number not in archive.read("holdings.csv").decode()
    assert registry["person"].employee_number in archive.read("holdings.csv").decode()


def test_a_second_click_follows_the_export_already_being_written(
    background_app, users, registry, gate
):
    client = _client(background_app, users["editor"])
    first = client.post("/transfer/exports", data={"format": "xlsx"}).headers["Location"]
    again = client.post("/transfer/exports", data={"format": "xlsx"}).headers["Location"]
    other = client.post("/transfer/exports", data={"format": "zip"}).headers["Location"]
    assert again == first and other != first


def test_only_the_user_who_asked_may_see_or_download_it(export_app, users, registry):
    owner = _client(export_app, users["editor"])
    location = owner.post("/transfer/exports", data={"format": "zip"}).headers["Location"]
    token = _token(location)
    stranger = _client(export_app, users["manager"])
    for path in (f"/transfer/exports/{token}", f"/transfer/exports/{token}/file"):
        response = stranger.get(path)
        assert response.status_code == 302 and response.headers["Location"] == ("/transfer/#export")
    assert "This export is no longer available" in stranger.get("/transfer/").get_data(as_text=True)
    assert owner.get(f"/transfer/exports/{token}/file").status_code == 200


def test_an_expired_export_is_removed(export_app, users, registry, folder):
    client = _client(export_app, users["editor"])
    token = _token(client.post("/transfer/exports", data={"format": "zip"}).headers["Location"])
    assert (folder / token / "export.zip").is_file()
    with export_app.app_context():
        exports.sweep_expired(now=time.time() + 2 * 3600)
    assert not (folder / token).exists()
    assert client.get(f"/transfer/exports/{token}/file").status_code == 302


def test_a_failed_export_says_so_and_offers_to_try_again(
    background_app, users, registry, monkeypatch
):
    def breaks():
        raise RuntimeError("the database went away")
        yield  # a generator, like the real one

    monkeypatch.setattr(interchange, "export_rows", breaks)
    client = _client(background_app, users["editor"])
    status_url = client.post("/transfer/exports", data={"format": "zip"}).headers["Location"]
    exports.wait_for_exports()
    page = client.get(status_url).get_data(as_text=True)
    assert 'data-outcome="failed"' in page
    assert "The export was interrupted before it was finished." in page
    assert 'name="format" value="zip"' in page  # "Export again"
    assert client.get(f"{status_url}/file").headers["Location"] == status_url
    token = _token(status_url)
    assert not list((exports_folder(background_app) / token).glob("export.zip*"))


def exports_folder(app):
    with app.app_context():
        return exports.root()


def test_an_export_whose_worker_died_is_reported_as_interrupted(
    background_app, users, registry, gate
):
    client = _client(background_app, users["editor"])
    status_url = client.post("/transfer/exports", data={"format": "xlsx"}).headers["Location"]
    folder = exports_folder(background_app) / _token(status_url)
    assert gate.reached.wait(timeout=60)  # the job's last heartbeat is written
    exports.write_status(folder, {"state": exports.RUNNING, "beat": 0})
    page = client.get(status_url).get_data(as_text=True)
    assert 'data-outcome="failed"' in page


@pytest.mark.parametrize("data", [{}, {"format": "pdf"}, {"format": "../x"}])
def test_an_unknown_format_exports_nothing(export_app, users, data, folder):
    client = _client(export_app, users["editor"])
    response = client.post("/transfer/exports", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/transfer/#export"
    assert "Choose the zip file or the Excel workbook to export." in client.get(
        "/transfer/"
    ).get_data(as_text=True)
    assert not folder.exists() or not any(folder.iterdir())


def test_the_page_asks_for_the_export_with_a_form(export_app, users):
    page = _client(export_app, users["auditor"]).get("/transfer/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/transfer/exports".*?</form>', page, re.S)
    assert form is not None
    assert 'name="format" value="zip"' in form.group(0)
    assert 'name="format" value="xlsx"' in form.group(0)


def test_asking_for_an_export_needs_a_csrf_token(make_app, users, folder):
    app = make_app(WTF_CSRF_ENABLED=True, TRANSFER_EXPORT_FOLDER=str(folder))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": users["editor"].email, "password": PASSWORD, "csrf_token": token},
    )
    client.post("/transfer/exports", data={"format": "zip"})
    assert not folder.exists()
