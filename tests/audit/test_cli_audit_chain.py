"""The audit hash chain: the pure functions, recording in the database, redaction, and
`registry audit verify [--expect N:HASH]` against edited, deleted, swapped and truncated events."""

import re

import pytest
from sqlalchemy import select, text

from registry.audit.models.audit import AuditEvent, AuditHead
from registry.audit.rules import audit_chain
from registry.audit.services import audit
from registry.core.extensions import db
from tests.support import PASSWORD, login

HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


# --- the pure chain ------------------------------------------------------------------------------


def _chain(n: int) -> list[dict]:
    """n chained events as the dicts the domain functions read."""
    events, prev = [], audit_chain.GENESIS
    for seq in range(1, n + 1):
        after = audit_chain.dumps({"name": f"record {seq}"})
        event = {
            "seq": seq,
            "at": f"2025-01-0{seq}T10:00:00",
            "actor_id": 1,
            "actor_email": "a@example.org",
            "actor_role": "editor",
            "action": "create",
            "entity": "service",
            "entity_id": str(seq),
            "result": "success",
            "source": "127.0.0.1",
            "before": None,
            "after": after,
            "redacted": False,
            "payload_digest": audit_chain.payload_digest(None, after),
            "prev_hash": prev,
        }
        event["hash"] = prev = audit_chain.chain_hash(prev, event)
        events.append(event)
    return events


def test_an_intact_chain_verifies_and_gives_its_head():
    events = _chain(4)
    result = audit_chain.verify(events)
    assert result.ok
    assert result.head_text == f"4:{events[-1]['hash']}"


def test_an_empty_chain_verifies_against_the_genesis_head():
    assert audit_chain.verify([]).head_text == f"0:{audit_chain.GENESIS}"
    assert audit_chain.verify([], expect=(0, audit_chain.GENESIS)).ok
    assert not audit_chain.verify([], expect=(0, "1" * 64)).ok


@pytest.mark.parametrize(
    "name, value",
    [
        ("action", "delete"),
        ("actor_email", "someone@else.org"),
        ("at", "2025-02-01T10:00:00"),
        ("entity_id", "99"),
        ("result", "failure"),
        ("source", "10.0.0.1"),
    ],
)
def test_a_changed_chained_field_is_reported_at_that_event(name, value):
    events = _chain(4)
    events[2][name] = value
    result = audit_chain.verify(events)
    assert not result.ok and result.broken_seq == 3
    assert result.head_text == f"2:{events[1]['hash']}"  # the last good event


def test_changed_before_after_values_are_reported():
    events = _chain(3)
    events[1]["after"] = audit_chain.dumps({"name": "forged"})
    result = audit_chain.verify(events)
    assert (result.ok, result.broken_seq, result.reason) == (False, 2, audit_chain.PAYLOAD_ALTERED)


def test_a_deleted_event_is_reported_at_the_next_one():
    events = _chain(4)
    del events[1]
    result = audit_chain.verify(events)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert result.message == (
        "Event 3 is out of sequence: expected event 2 (an event was "
        "deleted or events were reordered)."
    )


def test_swapped_events_are_reported():
    events = _chain(4)
    events[1]["seq"], events[2]["seq"] = 3, 2
    events[1], events[2] = events[2], events[1]
    result = audit_chain.verify(events)
    assert (result.ok, result.broken_seq) == (False, 2)


def test_expect_catches_a_truncated_tail_and_a_different_head():
    events = _chain(5)
    head = (5, events[-1]["hash"])
    assert audit_chain.verify(events[:3]).ok  # a shorter chain is still a valid chain …
    truncated = audit_chain.verify(events[:3], expect=head)  # … but not the one noted earlier
    assert not truncated.ok and truncated.broken_seq is None
    assert truncated.details == {"count": 3, "expected": 5}
    assert audit_chain.verify(events, expect=(3, events[2]["hash"])).ok  # later events are fine
    assert not audit_chain.verify(events, expect=(3, events[3]["hash"])).ok


@pytest.mark.parametrize(
    "text_, parsed",
    [
        ("3:" + "a" * 64, (3, "a" * 64)),
        ("3:" + "A" * 64, (3, "a" * 64)),
        ("3:" + "a" * 63, None),
        ("x:" + "a" * 64, None),
        ("3" + "a" * 64, None),
        ("²:" + "a" * 64, None),
        ("3:" + "g" * 64, None),
        ("", None),
    ],
)
def test_parse_head(text_, parsed):
    assert audit_chain.parse_head(text_) == parsed


# --- recorded in the database, verified on the command line --------------------------------------


def _verify(runner, *args):
    result = runner.invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output.strip()


def _record_some(n: int = 5) -> list[AuditEvent]:
    actor = audit.Actor.system("cli")
    events = [
        audit.record(actor, "create", "service", i, after={"code": f"s-{i}", "n": i})
        for i in range(1, n + 1)
    ]
    db.session.commit()
    return events


def _head(runner) -> str:
    code, output = _verify(runner)
    assert code == 0, output
    return output


def test_verify_prints_the_head(app, runner):
    events = _record_some(3)
    code, output = _verify(runner)
    assert code == 0
    assert output == f"3:{events[-1].hash}"
    assert HEAD.match(output)


def test_verify_on_an_empty_log(app, runner):
    assert _verify(runner) == (0, f"0:{audit_chain.GENESIS}")
    assert _verify(runner, "--expect", f"0:{audit_chain.GENESIS}")[0] == 0


def test_the_chain_verifies_after_web_logins_refusals_and_cli_writes(app, client, users, runner):
    login(client, users["auditor"])
    client.post("/login", data={"email": users["editor"].email, "password": "wrong password"})
    editor = app.test_client()
    login(editor, users["editor"])
    assert editor.get("/audit/").status_code == 403  # refused, and recorded
    assert (
        editor.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "another good password",
                "confirm": "another good password",
            },
        ).status_code
        == 302
    )
    result = runner.invoke(
        args=["users", "create", "--email", "new@example.org", "--role", "auditor"],
        input="a fine password\n",
    )
    assert result.exit_code == 0, result.output
    actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars()
    assert list(actions) == [
        "login",
        "login_failed",
        "login",
        "refused",
        "change_password",
        "create",
    ]
    head = _head(runner)
    assert head.startswith("6:")
    page = client.post("/audit/verify").get_data(as_text=True)
    assert f'data-head="{head}"' in page


def _sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


@pytest.mark.parametrize(
    "column, value",
    [
        ("action", "'delete'"),
        ("actor_email", "'someone@else.org'"),
        ("entity_id", "'42'"),
        ("result", "'failure'"),
        ("source", "'10.9.8.7'"),
        ("actor_role", "'admin'"),
    ],
)
def test_an_edited_event_breaks_verification_at_that_event(app, runner, column, value):
    _record_some(5)
    _sql(f"UPDATE audit_events SET {column} = {value} WHERE seq = 3")  # noqa: S608 - fixed values
    code, output = _verify(runner)
    assert code == 1
    assert "event 3" in output and "Event 3 was altered" in output


def test_an_edited_time_breaks_verification(app, runner):
    events = _record_some(4)
    _sql(
        "UPDATE audit_events SET at = :at WHERE seq = 2",
        at=events[1].at.replace(year=events[1].at.year - 1),
    )
    code, output = _verify(runner)
    assert code == 1 and "event 2" in output


def test_edited_before_after_values_break_verification(app, runner):
    _record_some(4)
    _sql("""UPDATE audit_events SET after = '{"code":"forged"}' WHERE seq = 2""")
    code, output = _verify(runner)
    assert code == 1 and "event 2" in output and "before/after" in output


def test_a_deleted_event_breaks_verification(app, runner):
    _record_some(5)
    _sql("DELETE FROM audit_events WHERE seq = 3")
    code, output = _verify(runner)
    assert code == 1
    assert "event 4" in output and "expected event 3" in output


def test_a_deleted_event_with_the_rest_renumbered_breaks_verification(app, runner):
    _record_some(5)
    _sql("DELETE FROM audit_events WHERE seq = 3")
    for seq in (4, 5):
        _sql("UPDATE audit_events SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    code, output = _verify(runner)
    assert code == 1 and "event 3" in output


def test_swapped_events_break_verification(app, runner):
    _record_some(5)
    _sql("UPDATE audit_events SET seq = -1 WHERE seq = 2")
    _sql("UPDATE audit_events SET seq = 2 WHERE seq = 4")
    _sql("UPDATE audit_events SET seq = 4 WHERE seq = -1")
    code, output = _verify(runner)
    assert code == 1 and "event 2" in output


def test_a_truncated_tail_is_caught_by_the_head_row(app, runner):
    _record_some(5)
    _sql("DELETE FROM audit_events WHERE seq >= 4")
    code, output = _verify(runner)
    assert code == 1
    assert "the end of the log" in output and "holds 3 events" in output


def test_a_truncated_tail_with_a_forged_head_row_is_caught_by_expect(app, runner):
    events = _record_some(5)
    noted = _head(runner)
    _sql("DELETE FROM audit_events WHERE seq >= 4")
    _sql("UPDATE audit_head SET count = 3, hash = :hash WHERE id = 1", hash=events[2].hash)
    assert _verify(runner)[0] == 0  # without a head noted earlier, this cannot be told
    code, output = _verify(runner, "--expect", noted)
    assert code == 1
    assert "the end of the log" in output and "holds 3 events" in output and "event 5" in output


def test_expect_passes_for_the_noted_head_and_later_events(app, runner):
    _record_some(3)
    noted = _head(runner)
    assert _verify(runner, "--expect", noted) == (0, noted)
    _record_some(2)
    code, output = _verify(runner, "--expect", noted)
    assert code == 0 and output.startswith("5:")


def test_expect_with_another_hash_fails(app, runner):
    _record_some(3)
    count, _hash = _head(runner).split(":")
    code, output = _verify(runner, "--expect", f"{count}:{'0' * 64}")
    assert code == 1 and "event 3" in output


@pytest.mark.parametrize("bad", ["12", "x:abc", "3:" + "z" * 64, "3:" + "a" * 10])
def test_expect_must_look_like_a_head(app, runner, bad):
    code, output = _verify(runner, "--expect", bad)
    assert code == 2 and "N:HASH" in output


# --- redaction -------------------------------------------------------------------------------


def test_redaction_keeps_the_chain_verifiable(app, runner):
    actor = audit.Actor.system("cli")
    personal = audit.record(
        actor,
        "create",
        "person",
        7,
        after={"name": "Jan Jansen", "email": "jan@example.org", "id": 7},
    )
    audit.record(
        actor,
        "update",
        "person",
        7,
        before={"email": "jan@example.org"},
        after={"email": "j.jansen@example.org"},
    )
    db.session.commit()
    events = db.session.execute(select(AuditEvent).where(AuditEvent.entity == "person")).scalars()
    redaction = audit.redact(actor, list(events), fields=["name", "email"], reason="left 2019")
    db.session.commit()
    assert redaction.action == "redact" and redaction.seq == 3
    db.session.refresh(personal)
    assert personal.redacted and "Jan" not in personal.after
    assert '"id":"[redacted]"' in personal.after  # every value: provably a scrub
    code, output = _verify(runner)
    assert code == 0 and output.startswith("3:")


def test_a_redacted_flag_without_a_recorded_redaction_is_tampering(app, runner):
    _record_some(4)
    _sql(
        """UPDATE audit_events SET after = '{"code":"[redacted]"}', redacted = :yes
        WHERE seq = 2""",
        yes=True,
    )
    code, output = _verify(runner)
    assert code == 1
    assert "event 2" in output and "no redaction of it was recorded" in output


def test_a_redaction_event_cannot_be_stretched_to_cover_other_events(app, runner):
    events = _record_some(3)
    audit.redact(audit.Actor.system("cli"), [events[0]])
    db.session.commit()
    _sql("""UPDATE audit_events SET after = '{"events":[1,2]}' WHERE seq = 4""")
    _sql("UPDATE audit_events SET after = NULL, redacted = :yes WHERE seq = 2", yes=True)
    code, output = _verify(runner)
    assert code == 1 and "event 4" in output and "before/after" in output


# --- the head row ----------------------------------------------------------------------------


def test_recording_continues_the_chain_when_the_head_row_is_missing(app, runner):
    _record_some(2)
    _sql("DELETE FROM audit_head")
    audit.record(audit.Actor.system("cli"), "create", "service", 3)
    db.session.commit()
    assert db.session.get(AuditHead, 1).count == 3
    code, output = _verify(runner)
    assert code == 0 and output.startswith("3:")
