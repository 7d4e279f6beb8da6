"""The auditor's journey of issue 8, in a real browser on the demo municipality: set a
peildatum of 30 June last year, walk the reports without losing it, make an attestation,
download its bundle and check it with sha256sum and `registry attest verify`, change one byte
and see both fail; after further edits the attestation still shows its frozen figures and what
changed since; the exported audit log verifies with the script of docs/AUDIT.md."""

import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from registry.audit.models.attestations import Attestation
from registry.core.extensions import db
from registry.people.models.holdings import Assignment
from tests.e2e.conftest import click_and_wait, log_in, submit
from tests.e2e.test_accessibility import _basics

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "AUDIT.md"


def _sha256sum(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=folder, capture_output=True, text=True
    )


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_auditor_files_evidence(live_server, demo, page, app, tmp_path):
    base = live_server
    peildatum = date(date.today().year - 1, 6, 30).isoformat()
    log_in(page, base, *demo["auditor"])

    # The peildatum, set once on the dashboard …
    page.goto(base + "/reports/")
    page.locator("summary", has_text="Change date or horizon").click()
    page.locator("#as_of").fill(peildatum)
    page.locator("#horizon").fill("90")
    click_and_wait(page, submit(page, "Show"), "**/reports/?*")
    banner = page.locator(".kb-peildatum")
    expect(banner).to_have_attribute("data-peildatum", peildatum)

    # … travels through the main navigation.
    nav = page.get_by_role("navigation", name="Main navigation")
    for name, url in [
        ("Gaps", "**/reports/gaps"),
        ("Coverage matrix", "**/reports/matrix"),
        ("Supplier register", "**/reports/suppliers/"),
        ("Services", "**/services/"),
        ("Audit log", "**/audit/"),
        ("Dashboard", "**/reports/"),
    ]:
        click_and_wait(page, nav.get_by_role("link", name=name, exact=True), url)
        expect(page.locator(".kb-peildatum")).to_have_attribute("data-peildatum", peildatum)
        if "reports" in url:
            expect(page.locator("#as_of")).to_have_value(peildatum)

    # An attestation of that date.
    click_and_wait(page, nav.get_by_role("link", name="Attestations"), "**/attestations/")
    click_and_wait(page, page.get_by_role("link", name="Make an attestation"), "**/new")
    expect(page.locator("#as_of")).to_have_value(peildatum)
    page.locator("#statement").fill("The coverage shown is complete and correct.")
    click_and_wait(page, submit(page, "Attest"), re.compile(r".*/attestations/\d+$"))
    att = db.session.execute(select(Attestation)).scalar_one()
    frozen_rows = page.locator(".kb-attestation__rows tbody tr").count()
    assert frozen_rows > 0
    expect(page.locator("[data-changes='0']").first).to_be_visible()
    assert _basics(page) == []  # one h1, labels, headings in order … with the peildatum banner

    # Its bundle checks out with sha256sum and with `registry attest verify` …
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the bundle (ZIP)").click()
    bundle = tmp_path / "bundle.zip"
    info.value.save_as(bundle)
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    assert _sha256sum(folder).returncode == 0
    runner = app.test_cli_runner()
    assert runner.invoke(args=["attest", "verify", str(bundle)]).exit_code == 0

    # … and one changed byte fails both.
    statement = folder / "statement.txt"
    data = bytearray(statement.read_bytes())
    data[0] = ord("k")
    statement.write_bytes(bytes(data))
    check = _sha256sum(folder)
    assert check.returncode == 1 and "statement.txt: FAILED" in check.stdout
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name in ("README.txt", "report.csv", "statement.txt", "manifest.sha256"):
            archive.write(folder / name, name)
    result = runner.invoke(args=["attest", "verify", str(tampered)])
    assert result.exit_code == 1 and "statement.txt: FAILED" in result.output

    # Further edits: every assignment ends before the peildatum.
    db.session.rollback()
    for assignment in db.session.execute(select(Assignment)).scalars():
        assignment.start_on = date(2000, 1, 1)
        assignment.end_on = date(2001, 1, 1)
    db.session.commit()
    page.reload()
    expect(page.locator(".kb-attestation__rows tbody tr")).to_have_count(frozen_rows)
    expect(page.locator(".kb-since tr[data-change='changed']").first).to_be_visible()
    assert db.session.get(Attestation, att.id).report_csv == att.report_csv

    # The audit log, exported, verifies with the script written from docs/AUDIT.md.
    page.goto(base + "/audit/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download for verification (JSON lines)").click()
    export = tmp_path / "audit.jsonl"
    info.value.save_as(export)
    script = tmp_path / "verify_audit.py"
    script.write_text(re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[0])
    head = f"{att.audit_count}:{att.audit_hash}"
    run = subprocess.run(
        [sys.executable, "-I", str(script), str(export), head], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", run.stdout.strip())

    # Back to today.
    page.goto(base + "/reports/gaps")
    click_and_wait(page, page.get_by_role("button", name="Back to today"), "**/reports/gaps")
    expect(page.locator(".kb-peildatum")).to_have_count(0)
