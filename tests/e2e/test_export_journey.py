"""The export in a real browser, CSRF on, on the demo municipality: the button sends the file
at once when it is ready within the request's wait, and otherwise the status page refreshes
itself until its download link appears."""

import zipfile

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from registry.transfer.services import interchange
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_the_workbook_button_downloads_the_workbook(page, live_server, demo, app, tmp_path):
    app.config["TRANSFER_EXPORT_FOLDER"] = str(tmp_path / "exports")
    log_in(page, live_server, *demo["manager"], english=False)
    page.goto(live_server + "/transfer/")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download de export (Excel-werkmap)").click()
    assert info.value.suggested_filename.startswith("kennisborg-export-")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    sheets = load_workbook(target, read_only=True).sheetnames
    assert sheets == [name.removesuffix(".csv") for name in interchange.export_files()]


def test_a_slow_export_is_followed_until_its_link_appears(page, live_server, demo, app, tmp_path):
    app.config.update(TRANSFER_EXPORT_FOLDER=str(tmp_path / "exports"), TRANSFER_EXPORT_WAIT=0)
    log_in(page, live_server, *demo["auditor"])
    page.goto(live_server + "/transfer/")
    page.get_by_role("button", name="Download the export (zip)").click()
    page.wait_for_url("**/transfer/exports/*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export: zip file with CSV files")
    # The page refreshes itself (no JavaScript) until the file is written.
    link = page.get_by_role("link", name="Download kennisborg-export-")
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    names = zipfile.ZipFile(target).namelist()
    assert sorted(names) == sorted([*interchange.export_files(), "README.txt"])
