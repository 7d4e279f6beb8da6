"""Attestations: made on the web and with the CLI, immutable (also in the database), shown
as frozen with what has changed since, and a bundle that sha256sum and `attest verify` check."""

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from registry.audit.models.attestations import Attestation
from registry.audit.models.audit import AuditEvent
from registry.audit.rules import attestation as bundles
from registry.core.extensions import db
from tests import factories

D = date(2025, 6, 30)


@pytest.fixture
def registry_data(app):
    """One service, two requirements: one covered by two people, one unassigned."""
    service = factories.make_service(code="loket", name="Digitaal loket")
    covered = factories.make_competence(code="CM", name="Contractmanagement")
    empty = factories.make_competence(code="SEC", name="Informatiebeveiliging")
    factories.make_requirement(service, covered, required_level=3, min_holders=2)
    factories.make_requirement(service, empty, required_level=3, min_holders=1)
    people = [factories.make_person() for _ in range(2)]
    for person in people:
        factories.make_assignment(person, service)
        factories.make_holding(person, covered, level=4, assessed_on=date(2024, 1, 1))
    db.session.commit()
    return {"service": service, "people": people, "covered": covered}


def _create(client, **data):
    form = {"as_of": D.isoformat(), "horizon": "90", "statement": "Ik verklaar dit."} | data
    return client.post("/attestations/new", data=form)


def test_auditor_makes_an_attestation_on_the_web(client_as, users, registry_data):
    auditor = client_as("auditor")
    response = _create(auditor)
    assert response.status_code == 302
    att = db.session.execute(select(Attestation)).scalar_one()
    assert response.headers["Location"].endswith(f"/attestations/{att.id}")
    assert (att.as_of, att.horizon, att.statement) == (D, 90, "Ik verklaar dit.")
    assert att.attester_email == users["auditor"].email
    page = auditor.get(f"/attestations/{att.id}").get_data(as_text=True)
    assert "Ik verklaar dit." in page
    assert f"{att.audit_count}:{att.audit_hash}" in page
    assert 'data-requirement="loket/CM" data-status="covered"' in page
    assert 'data-requirement="loket/SEC" data-status="unassigned"' in page
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.entity == "attestation")
    ).scalar_one()
    assert (event.action, event.entity_id) == ("create", str(att.id))
    # the head frozen is the head before the creation event was appended
    assert event.seq == att.audit_count + 1 and event.prev_hash == att.audit_hash


def test_bad_input_is_shown_and_nothing_is_written(client_as, registry_data):
    auditor = client_as("auditor")
    response = _create(auditor, statement="  ", horizon="5000")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="statement-error"' in page and 'id="horizon-error"' in page
    assert db.session.execute(select(Attestation)).first() is None


@pytest.mark.parametrize("role", ["editor", "manager"])
def test_other_roles_cannot_attest_or_read(client_as, registry_data, role):
    client = client_as(role)
    assert _create(client).status_code == 403
    assert client.get("/attestations/").status_code == 403
    assert db.session.execute(select(Attestation)).first() is None


def test_there_is_no_edit_or_delete_route(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("attestations.")]
    assert {r.endpoint for r in rules} == {
        "attestations.index",
        "attestations.new",
        "attestations.show",
        "attestations.bundle",
    }
    posts = {r.endpoint for r in rules if "POST" in r.methods}
    assert posts == {"attestations.new"}


def test_the_database_refuses_update_and_delete(runner, users, registry_data):
    result = runner.invoke(
        args=[
            "attest", "create", "--as-of", D.isoformat(), "--horizon", "90",
            "--statement", "Vastgesteld.", "--by", users["auditor"].email,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    att_id = int(result.output.strip().splitlines()[-1])
    for statement in (
        "UPDATE attestations SET horizon = 1",
        "UPDATE attestations SET statement = 'anders'",
        "DELETE FROM attestations",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            db.session.execute(text(statement))
        db.session.rollback()
    att = db.session.get(Attestation, att_id)
    assert (att.horizon, att.statement) == (90, "Vastgesteld.")


def test_cli_create_needs_an_auditor_or_admin(runner, users, registry_data):
    result = runner.invoke(
        args=[
            "attest", "create", "--as-of", D.isoformat(), "--horizon", "90",
            "--statement", "x", "--by", users["editor"].email,
        ]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Only auditors and administrators" in result.output
    assert db.session.execute(select(Attestation)).first() is None


def _bundle_from_web(client, att_id) -> bytes:
    response = client.get(f"/attestations/{att_id}/bundle.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    return response.data


def test_bundle_is_the_same_from_web_and_cli_and_verifies(
    client_as, runner, registry_data, tmp_path
):
    auditor = client_as("auditor")
    _create(auditor)
    att = db.session.execute(select(Attestation)).scalar_one()
    web = _bundle_from_web(auditor, att.id)
    target = tmp_path / "bundle.zip"
    result = runner.invoke(args=["attest", "export", str(att.id), str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == web

    with zipfile.ZipFile(io.BytesIO(web)) as archive:
        assert archive.namelist() == [
            "README.txt",
            "report.csv",
            "statement.txt",
            "manifest.sha256",
        ]
        report = archive.read("report.csv").decode()
        statement = archive.read("statement.txt").decode()
        readme = archive.read("README.txt").decode()
    assert report.splitlines()[0] == ",".join(bundles.REPORT_COLUMNS)
    assert "loket,SEC,3,1,0,0,0,unassigned" in report
    for text_ in (statement, readme):
        assert "2025-06-30" in text_ and f"{att.audit_count}:{att.audit_hash}" in text_
    assert "Ik verklaar dit." in statement

    result = runner.invoke(args=["attest", "verify", str(target)])
    assert result.exit_code == 0, result.output
    assert "every file matches" in result.output


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_one_changed_byte_fails_sha256sum_and_attest_verify(
    client_as, runner, registry_data, tmp_path
):
    auditor = client_as("auditor")
    _create(auditor)
    att = db.session.execute(select(Attestation)).scalar_one()
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(_bundle_from_web(auditor, att.id))
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=folder, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr

    report = folder / "report.csv"
    data = bytearray(report.read_bytes())
    data[-3] = ord("X") if data[-3] != ord("X") else ord("Y")  # one byte
    report.write_bytes(bytes(data))
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=folder, capture_output=True, text=True
    )
    assert check.returncode == 1
    assert "report.csv: FAILED" in check.stdout

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name in ("README.txt", "report.csv", "statement.txt", "manifest.sha256"):
            archive.write(folder / name, name)
    result = runner.invoke(args=["attest", "verify", str(tampered)])
    assert result.exit_code == 1
    assert "report.csv: FAILED" in result.output
    assert "statement.txt: OK" in result.output


def test_verify_names_missing_and_unlisted_files(runner, tmp_path):
    files = {"report.csv": b"a\n", "statement.txt": b"b\n"}
    files["manifest.sha256"] = bundles.manifest(files).encode()
    del files["statement.txt"]
    files["extra.txt"] = b"c"
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(bundles.build_zip(files, datetime(2025, 1, 1)))
    result = runner.invoke(args=["attest", "verify", str(bundle)])
    assert result.exit_code == 1
    assert "statement.txt: FAILED" in result.output
    assert "extra.txt: FAILED" in result.output
    not_zip = tmp_path / "n.zip"
    not_zip.write_bytes(b"not a zip")
    result = runner.invoke(args=["attest", "verify", str(not_zip)])
    assert result.exit_code == 1 and "n.zip" in result.output


def test_frozen_figures_stay_and_changes_since_are_listed(client_as, registry_data):
    auditor = client_as("auditor")
    _create(auditor)
    att = db.session.execute(select(Attestation)).scalar_one()
    # Further edits: one of the two holders leaves before D; a new person covers SEC.
    registry_data["people"][0].leave_date = date(2025, 1, 1)
    db.session.commit()
    page = auditor.get(f"/attestations/{att.id}").get_data(as_text=True)
    # frozen: still covered by two
    assert 'data-requirement="loket/CM" data-status="covered"' in page
    assert 'data-holders-now="2"' in page
    # since: CM changed (2 → 1 now; covered → undercovered)
    assert 'data-change="changed" data-requirement="loket/CM"' in page
    assert 'data-change="changed" data-requirement="loket/SEC"' not in page
    frozen = db.session.get(Attestation, att.id)
    assert frozen.report_csv == att.report_csv


def test_the_page_says_whether_the_log_still_holds_the_attested_head(client_as, registry_data):
    auditor = client_as("auditor")
    _create(auditor)
    att = db.session.execute(select(Attestation)).scalar_one()
    assert 'data-head-in-log="true"' in auditor.get(f"/attestations/{att.id}").get_data(
        as_text=True
    )
    db.session.execute(
        text("UPDATE audit_events SET hash = :h WHERE seq = :n"),
        {"h": "f" * 64, "n": att.audit_count},
    )
    db.session.commit()
    assert 'data-head-in-log="false"' in auditor.get(f"/attestations/{att.id}").get_data(
        as_text=True
    )


def test_a_byte_changed_inside_the_zip_is_named(client_as, runner, registry_data, tmp_path):
    auditor = client_as("auditor")
    _create(auditor)
    att = db.session.execute(select(Attestation)).scalar_one()
    data = bytearray(_bundle_from_web(auditor, att.id))
    at = data.index(b"loket,SEC")  # inside report.csv (stored, not compressed)
    data[at] = ord("L")
    bundle = tmp_path / "changed.zip"
    bundle.write_bytes(bytes(data))
    result = runner.invoke(args=["attest", "verify", str(bundle)])
    assert result.exit_code == 1
    assert "report.csv: FAILED" in result.output and "statement.txt: OK" in result.output
