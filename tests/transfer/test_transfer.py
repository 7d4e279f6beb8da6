"""The web import and export: upload (CSV files or one zip), a dry-run preview that writes
nothing, applying everything or nothing, and who may do what."""

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select, text

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.transfer.services import interchange
from tests import factories
from tests.data.transfer import FILES, _counts, _counts_shown, _preview, _upload, _zip
from tests.support import login


def _problems(html: str) -> list[str]:
    return re.findall(r'data-problem="([^"]+)"', html)


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def transfer_app(make_app, uploads):
    return make_app(TRANSFER_UPLOAD_FOLDER=str(uploads))


@pytest.fixture
def editor(transfer_app, users):
    client = transfer_app.test_client()
    login(client, users["editor"])
    client.post("/language", data={"lang": "en"})
    return client


def test_the_preview_counts_per_file_and_writes_nothing(editor):
    before = _counts()
    token, html = _preview(editor, FILES)
    assert _counts() == before  # no records and no audit events
    assert 'data-outcome="ready"' in html
    assert _counts_shown(html) == {
        "competences.csv": (2, 0, 0),
        "people.csv": (2, 0, 0),
        "services.csv": (1, 0, 0),
        "requirements.csv": (2, 0, 0),
        "assignments.csv": (1, 0, 0),
        "holdings.csv": (2, 0, 0),
    }
    assert f'name="token" type="hidden" value="{token}"' in html


def test_applying_writes_everything_with_audit_events(editor, uploads, users, runner):
    token, _html = _preview(editor, FILES)
    before = _counts()
    response = editor.post("/transfer/apply", data={"token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/transfer/"
    after = _counts()
    assert {name: after[name] - before[name] for name in after} == {
        "Competence": 2,
        "Framework": 1,
        "Person": 2,
        "OrgUnit": 2,
        "Service": 1,
        "Provider": 1,
        "Requirement": 2,
        "Assignment": 1,
        "Holding": 2,
        "AuditEvent": 1 + 2 + 1 + 1,
    }  # one per framework, org unit and provider created by name; one for the import
    service = db.session.execute(select(Service).filter_by(code="zaaksysteem")).scalar_one()
    assert (service.provider.name, service.owner.employee_number) == ("Dimpact", "E1")
    summary = db.session.execute(select(AuditEvent).filter_by(action="import")).scalar_one()
    assert (summary.actor_email, summary.actor_role) == (users["editor"].email, "editor")
    assert "The import has been applied" in editor.get("/transfer/").get_data(as_text=True)
    assert not (uploads / token).exists()  # the kept upload is cleaned up
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_an_upload_is_applied_only_once(editor):
    token, _html = _preview(editor, FILES)
    editor.post("/transfer/apply", data={"token": token})
    before = _counts()
    response = editor.post("/transfer/apply", data={"token": token})
    assert response.status_code == 302
    assert _counts() == before
    assert editor.get(f"/transfer/preview/{token}").status_code == 302


def test_a_second_import_of_the_same_files_changes_nothing(editor):
    token, _html = _preview(editor, FILES)
    editor.post("/transfer/apply", data={"token": token})
    changed = dict(FILES, **{"services.csv": "code,criticality\nzaaksysteem,critical\n"})
    _token, html = _preview(editor, changed)
    shown = _counts_shown(html)
    assert shown["people.csv"] == (0, 0, 2) and shown["services.csv"] == (0, 1, 0)


def test_a_broken_upload_lists_every_problem_and_writes_nothing(editor, uploads):
    broken = dict(
        FILES,
        **{
            "people.csv": "employee_number,name,start_date,leave_date\n"
            "E1,Anna,2020-01-01,2019-01-01\nE2,Bram,gisteren,\n",
            "holdings.csv": "employee_number,competence,level,colour\nE1,CM,7,red\n",
            "assignments.csv": "employee_number,service\nE9,zaaksysteem\n",
        },
    )
    before = _counts()
    response = _upload(editor, broken)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _counts() == before
    assert 'data-outcome="problems"' in html
    problems = _problems(html)
    assert {"people.csv:2", "people.csv:3", "assignments.csv:2", "holdings.csv:1"} <= set(problems)
    assert "people.csv:3: start_date: gisteren is not a date" in html
    assert "Apply the import" not in html and 'name="token"' not in html
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing to apply, nothing kept


def test_apply_plans_again_and_writes_nothing_when_the_registry_changed(editor):
    competence = factories.make_competence(code="CM")
    factories.make_service(code="zaaksysteem")
    db.session.commit()
    token, html = _preview(
        editor, {"requirements.csv": FILES["requirements.csv"].replace("zaaksysteem,SLA,2,1\n", "")}
    )
    assert _counts_shown(html)["requirements.csv"] == (1, 0, 0)
    db.session.delete(competence)  # meanwhile, someone removes the competence
    db.session.commit()
    before = _counts()
    response = editor.post("/transfer/apply", data={"token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-outcome="not-applied"' in html and "requirements.csv:2" in _problems(html)
    assert _counts() == before


def test_applying_is_all_or_nothing(editor, monkeypatch):
    token, _html = _preview(editor, FILES)
    before = _counts()
    real = interchange.import_files

    def fails_at_the_end(actor, files, progress=None):
        real(actor, files, progress)
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(interchange, "import_files", fails_at_the_end)
    with pytest.raises(RuntimeError):
        editor.post("/transfer/apply", data={"token": token})
    assert _counts() == before
    # the upload is given back: it can be previewed and applied again
    monkeypatch.setattr(interchange, "import_files", real)
    assert editor.get(f"/transfer/preview/{token}").status_code == 200
    assert editor.post("/transfer/apply", data={"token": token}).status_code == 302
    assert _counts()["Holding"] == before["Holding"] + 2


def test_a_zip_upload(editor):
    archive = _zip(FILES, folder="export/")
    _token, html = _preview(editor, {"Kennisborg-export.ZIP": archive})
    assert _counts_shown(html)["holdings.csv"] == (2, 0, 0)


def test_export_and_import_again_changes_nothing(editor, client_as):
    token, _html = _preview(editor, FILES)
    editor.post("/transfer/apply", data={"token": token})
    auditor = client_as("auditor")
    response = auditor.get("/transfer/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert sorted(names) == sorted([*FILES, "README.txt"])  # README.txt: dated, skipped
    _token, html = _preview(editor, {"export.zip": response.get_data()})
    shown = _counts_shown(html)
    assert shown["people.csv"] == (0, 0, 2) and shown["holdings.csv"] == (0, 0, 2)


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "Choose one or more CSV files, one zip file or one Excel workbook."),
        ({"people.xlsx": b"PK"}, "people.xlsx is not a valid zip file."),
        ({"people.ods": b"PK"}, "people.ods is not one of the interchange files"),
        ({"mensen.csv": "a,b\n"}, "mensen.csv is not one of the interchange files"),
        ({"a.zip": _zip({"people.csv": "x"}), "people.csv": "x"}, "not several of them"),
        ({"a.zip": b"not a zip"}, "a.zip is not a valid zip file."),
        ({"a.zip": _zip({"notes.txt": "x"})}, "notes.txt is not one of the interchange files"),
        ({"a.zip": _zip({"x/people.csv": "a", "y/people.csv": "b"})}, "occurs more than once"),
        ({"a.zip": _zip({})}, "a.zip holds none of the interchange files."),
    ],
)
def test_other_files_are_refused_with_a_message(editor, uploads, files, message):
    response = _upload(editor, files)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_zip_that_unpacks_too_large_is_refused(make_app, users, uploads):
    app = make_app(TRANSFER_UPLOAD_FOLDER=str(uploads), MAX_CONTENT_LENGTH=10_000)
    client = app.test_client()
    login(client, users["editor"])
    client.post("/language", data={"lang": "en"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("people.csv", "employee_number\n" + "E1\n" * 50_000)
    response = _upload(client, {"big.zip": buffer.getvalue()})
    assert "larger than allowed when unpacked" in response.get_data(as_text=True)


def test_an_upload_belongs_to_the_user_who_made_it(editor, transfer_app, users):
    token, _html = _preview(editor, FILES)
    other = transfer_app.test_client()
    login(other, users["admin"])
    before = _counts()
    assert other.get(f"/transfer/preview/{token}").status_code == 302
    assert other.post("/transfer/apply", data={"token": token}).status_code == 302
    assert _counts() == before


def test_an_expired_upload_is_refused_and_swept(editor, uploads):
    token, _html = _preview(editor, FILES)
    meta = uploads / token / "meta.json"
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"created": 0}))
    before = _counts()
    response = editor.post("/transfer/apply", data={"token": token})
    assert response.status_code == 302 and _counts() == before
    assert "no longer available" in editor.get("/transfer/").get_data(as_text=True)
    _preview(editor, {"competences.csv": FILES["competences.csv"]})  # a new upload sweeps
    assert not (uploads / token).exists()


@pytest.mark.parametrize("token", ["../../etc", "x", "a" * 200])
def test_odd_tokens_are_refused(editor, token):
    assert editor.post("/transfer/apply", data={"token": token}).status_code == 302


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_managers_and_auditors_cannot_import(transfer_app, users, role, uploads):
    client = transfer_app.test_client()
    login(client, users[role])
    assert _upload(client, FILES).status_code == 403
    assert client.get("/transfer/preview/" + "a" * 43).status_code == 403
    assert client.post("/transfer/apply", data={"token": "a" * 43}).status_code == 403
    assert not uploads.exists()
    page = client.get("/transfer/").get_data(as_text=True)
    assert 'action="/transfer/upload"' not in page
    refused = db.session.execute(select(AuditEvent.entity_id).filter_by(action="refused"))
    assert sorted(refused.scalars()) == ["transfer.apply", "transfer.preview", "transfer.upload"]


@pytest.mark.parametrize("role", ["admin", "editor", "manager", "auditor"])
def test_every_role_sees_the_format_and_may_export(client_as, role):
    client = client_as(role)
    page = client.get("/transfer/")
    assert page.status_code == 200
    assert "employee_number, competence, level" in page.get_data(as_text=True)
    assert client.get("/transfer/export.zip").status_code == 200


def test_editors_see_the_upload_form(editor):
    page = editor.get("/transfer/").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/transfer/", "/transfer/export.zip"):
        assert client.get(path).status_code == 302
    assert client.post("/transfer/upload").status_code == 302


def test_upload_and_apply_need_a_csrf_token(make_app, users, uploads):
    app = make_app(WTF_CSRF_ENABLED=True, TRANSFER_UPLOAD_FOLDER=str(uploads))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={
            "email": users["editor"].email,
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert _upload(client, FILES).status_code == 400
    assert client.post("/transfer/apply", data={"token": "a" * 43}).status_code == 400
    assert not uploads.exists()


def test_mixed_web_imports_and_edits_keep_the_chain_verifiable(editor, runner):
    """Imports from the web and the command line, with edits in between, then verify."""
    token, _html = _preview(editor, FILES)
    editor.post("/transfer/apply", data={"token": token})
    service = db.session.execute(select(Service).filter_by(code="zaaksysteem")).scalar_one()
    before = audit.snapshot(service)
    service.criticality = "critical"
    db.session.flush()
    audit.record(
        audit.Actor.system("cli"),
        "update",
        "service",
        service.id,
        *audit.changes(before, audit.snapshot(service)),
    )
    db.session.commit()
    token, _html = _preview(editor, {"holdings.csv": "employee_number,competence,level\nE1,CM,5\n"})
    editor.post("/transfer/apply", data={"token": token})
    assert editor.get("/audit/").status_code == 403  # a refusal is an event too
    result = runner.invoke(args=["audit", "verify"])
    total = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{total}:")


def test_a_double_submit_applies_once(editor, uploads):
    from registry.transfer.web import uploads as kept

    token, _html = _preview(editor, FILES)
    with editor.application.test_request_context():
        assert kept.claim_upload(token, _user_id(token, uploads)) is not None
    before = _counts()
    response = editor.post("/transfer/apply", data={"token": token})  # the second click
    assert response.status_code == 302 and _counts() == before


def _user_id(token, uploads) -> int:
    return json.loads((uploads / token / "meta.json").read_text())["user_id"]
