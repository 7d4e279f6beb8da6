"""Independent verification: the JSON-lines export, the reference script of docs/AUDIT.md
(extracted from the document's text and run as an outsider would), anchors outside the
database, redactions that must be scrubs, and throttled refusals."""

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from registry.audit.models.audit import AuditEvent, RefusalWindow
from registry.audit.rules import audit_chain
from registry.audit.services import audit, audit_export, refusals
from registry.core.extensions import db
from registry.core.models import utcnow

DOC = Path(__file__).resolve().parents[2] / "docs" / "AUDIT.md"
EXPORT_FIELDS = {
    "seq", "at", "actor_id", "actor_email", "actor_role", "action", "entity", "entity_id",
    "result", "source", "payload_digest", "before", "after", "prev_hash", "hash",
}  # fmt: skip


def _record_some(n: int = 5) -> list[AuditEvent]:
    actor = audit.Actor.system("cli")
    events = [
        audit.record(
            actor, "create", "person", i, after={"name": f"Ëlla {i}", "n": i, "on": "2025-01-01"}
        )
        for i in range(1, n + 1)
    ]
    db.session.commit()
    return events


def _sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


@pytest.fixture
def script(tmp_path) -> Path:
    """The verification script, taken from the one ```python block of docs/AUDIT.md."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/AUDIT.md must hold exactly one python block"
    path = tmp_path / "verify_audit.py"
    path.write_text(blocks[0], encoding="utf-8")
    return path


def _export(runner, tmp_path) -> Path:
    target = tmp_path / "audit.jsonl"
    result = runner.invoke(args=["audit", "export", "--format", "jsonl", str(target)])
    assert result.exit_code == 0, result.output
    return target


def _outsider(script: Path, export: Path, *heads: str) -> tuple[int, str]:
    run = subprocess.run(
        [sys.executable, "-I", str(script), str(export), *heads], capture_output=True, text=True
    )
    return run.returncode, (run.stdout + run.stderr).strip()


def _head(runner) -> str:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_export_holds_exactly_the_covered_fields(app, runner, tmp_path):
    _record_some(3)
    lines = _export(runner, tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert all(set(r) == EXPORT_FIELDS for r in records)
    assert [r["seq"] for r in records] == [1, 2, 3]


def test_the_documented_script_verifies_an_export(app, runner, tmp_path, script):
    _record_some(4)
    audit.redact(
        audit.Actor.system("cli"),
        db.session.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalars(),
    )
    db.session.commit()
    head = _head(runner)
    code, output = _outsider(script, _export(runner, tmp_path), head)
    assert (code, output) == (0, head)


@pytest.mark.parametrize(
    "tamper, where",
    [
        ("UPDATE audit_events SET action = 'delete' WHERE seq = 2", "event 2"),
        ("""UPDATE audit_events SET after = '{"n": 9}' WHERE seq = 3""", "event 3"),
        ("DELETE FROM audit_events WHERE seq = 2", "event 3"),
        # a rewrite dressed up as a redaction: flagged, but not a scrub
        (
            """UPDATE audit_events SET after = '{"name": "Someone else"}', redacted = true
            WHERE seq = 3""",
            "event 3",
        ),
    ],
)
def test_the_script_and_verify_catch_tampering(app, runner, tmp_path, script, tamper, where):
    _record_some(4)
    _sql(tamper)
    code, output = _outsider(script, _export(runner, tmp_path))
    assert code == 1 and where in output, output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and where in result.output


def test_a_rewrite_dressed_up_as_a_recorded_redaction_is_tampering(app, runner, tmp_path, script):
    """Even with a redaction event appended to cover it (as someone with database access
    could), a changed payload that is not a scrub is reported."""
    _record_some(3)
    _sql("""UPDATE audit_events SET after = '{"name": "Jan"}', redacted = true WHERE seq = 2""")
    audit.record(audit.Actor.system("cli"), "redact", "audit_event", None, after={"events": [2]})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 2" in result.output and "rewritten, not redacted" in result.output
    code, output = _outsider(script, _export(runner, tmp_path))
    assert code == 1 and "event 2" in output


def test_a_genuine_redaction_holds_only_markers(app, runner):
    events = _record_some(2)
    audit.redact(audit.Actor.system("cli"), [events[0]], fields=["name"], reason="left")
    db.session.commit()
    db.session.refresh(events[0])
    after = json.loads(events[0].after)
    assert after == {"name": "[redacted]", "n": "[redacted]", "on": "[redacted]"}
    assert audit_chain.only_markers(events[0].after)
    assert _head(runner).startswith("3:")


# --- anchors ---------------------------------------------------------------------------------


def test_anchor_appends_the_head_and_verify_catches_a_truncated_tail(app, runner, tmp_path):
    _record_some(3)
    anchors = tmp_path / "anchors.txt"
    for _ in range(2):
        result = runner.invoke(args=["audit", "anchor", "--file", str(anchors)])
        assert result.exit_code == 0, result.output
    lines = anchors.read_text().splitlines()
    assert len(lines) == 2 and lines[0].endswith(_head(runner))
    result = runner.invoke(args=["audit", "verify", "--anchors", str(anchors)])
    assert result.exit_code == 0 and result.output.strip() == _head(runner)

    _sql("DELETE FROM audit_events WHERE seq = 3")
    _sql("UPDATE audit_head SET count = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the database alone: fooled
    result = runner.invoke(args=["audit", "verify", "--anchors", str(anchors)])
    assert result.exit_code == 1 and "anchored head" in result.output


def test_verify_catches_a_rewritten_tail_with_anchors(app, runner, tmp_path):
    _record_some(3)
    anchors = tmp_path / "anchors.txt"
    assert runner.invoke(args=["audit", "anchor", "--file", str(anchors)]).exit_code == 0
    # Remove event 3 and append a different one in its place, recomputing the hashes
    # (what someone with write access to the database could do).
    _sql("DELETE FROM audit_events WHERE seq = 3")
    _sql("UPDATE audit_head SET count = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)")
    audit.record(audit.Actor.system("cli"), "create", "person", 99, after={"name": "Other"})
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the database alone: fooled
    result = runner.invoke(args=["audit", "verify", "--anchors", str(anchors)])
    assert result.exit_code == 1 and "event 3" in result.output


def test_a_bad_anchor_line_is_named(app, runner, tmp_path):
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("# heads\n2026-01-01T00:00:00Z 3:abc\n")
    result = runner.invoke(args=["audit", "verify", "--anchors", str(anchors)])
    assert result.exit_code == 2 and "anchors.txt:2:" in result.output


def test_anchor_mails_the_head(app, runner, monkeypatch, make_app):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message.get_content()))

    monkeypatch.setattr(audit_export.smtplib, "SMTP", FakeSMTP)
    _record_some(2)
    mailing = make_app(
        SMTP_HOST="smtp.example.org",
        SMTP_PORT=587,
        SMTP_STARTTLS=True,
        SMTP_USER="u",
        SMTP_PASSWORD="p",
        SMTP_FROM="registry@example.org",
        AUDIT_ANCHOR_TO="auditors@example.org",
    )
    result = mailing.test_cli_runner().invoke(args=["audit", "anchor", "--mail"])
    assert result.exit_code == 0, result.output
    assert sent[0] == ("connect", "smtp.example.org", 587)
    assert ("starttls",) in sent and ("login", "u", "p") in sent
    kind, to, body = sent[-1]
    assert (kind, to) == ("send", "auditors@example.org") and _head(runner) in body


def test_anchor_mail_without_settings_fails_clearly(app, runner):
    result = runner.invoke(args=["audit", "anchor", "--mail"])
    assert result.exit_code == 1 and "REGISTRY_SMTP_HOST" in result.output


def test_the_jsonl_download_is_for_auditors(client_as, users):
    response = client_as("auditor").get("/audit/export.jsonl")
    assert response.status_code == 200
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert records and all(set(r) == EXPORT_FIELDS for r in records)
    assert client_as("manager").get("/audit/export.jsonl").status_code == 403


# --- refusals without flooding ---------------------------------------------------------------


def _refusals(action="refused") -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).scalars()
    )


def test_repeated_refusals_within_a_minute_are_recorded_once_with_a_count(client_as, runner):
    manager = client_as("manager")
    for _ in range(5):
        assert manager.get("/audit/").status_code == 403
    assert manager.get("/users/").status_code == 403
    assert [e.entity_id for e in _refusals()] == ["audit.index", "users.index"]
    assert _refusals("refused_repeated") == []
    # The minute passes: the count is recorded at the next refusal (here: by anyone).
    db.session.execute(
        RefusalWindow.__table__.update().values(started_at=utcnow() - timedelta(minutes=2))
    )
    db.session.commit()
    assert client_as("editor").get("/audit/").status_code == 403
    summary = _refusals("refused_repeated")
    assert len(summary) == 1
    assert summary[0].entity_id == "audit.index"
    assert json.loads(summary[0].after)["repeats"] == 4
    assert _head(runner)  # the chain still verifies


def test_anchor_records_pending_refusal_counts(app, runner, tmp_path):
    actor = audit.Actor(7, "x@example.org", "manager", "127.0.0.1")
    start = utcnow() - timedelta(minutes=5)
    refusals.record(actor, "audit.index", "GET", "/audit/", now=start)
    for _ in range(3):
        refusals.record(actor, "audit.index", "GET", "/audit/", now=start + timedelta(seconds=5))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    result = runner.invoke(args=["audit", "anchor", "--file", str(tmp_path / "a.txt")])
    assert result.exit_code == 0, result.output
    summary = _refusals("refused_repeated")
    assert len(summary) == 1 and json.loads(summary[0].after)["repeats"] == 3
