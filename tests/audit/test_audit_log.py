"""The audit log in the browser: who may see it, filters, the history of one record, the
readable diff, CSV export and the verification button."""

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select, text

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.provenance import strip_preamble
from tests import factories
from tests.support import PASSWORD, login

SYSTEM = audit.Actor.system("cli")


def _seqs(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [
        int(n)
        for n in re.findall(
            r'<tr class="utrecht-table__row" data-seq="(\d+)"', response.get_data(as_text=True)
        )
    ]


def _event(action="create", entity="service", entity_id=1, actor=SYSTEM, at=None, **kw):
    ev = audit.record(actor, action, entity, entity_id, **kw)
    if at is not None:
        ev.at = at  # (this breaks the chain; these tests are about the listing)
    db.session.commit()
    return ev.seq


@pytest.fixture
def auditor(client_as):
    client = client_as("auditor")
    client.post("/language", data={"lang": "en"})
    return client


@pytest.mark.parametrize("role", ["editor", "manager"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/audit/"),
        ("get", "/audit/export.csv"),
        ("get", "/audit/verify"),
        ("post", "/audit/verify"),
        ("get", "/audit/?entity=user&entity_id=1"),
    ],
)
def test_editors_and_managers_are_refused_and_the_refusal_is_recorded(
    app, users, role, method, path
):
    client = app.test_client()
    login(client, users[role])
    response = getattr(client, method)(path)
    assert response.status_code == 403
    refusal = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "refused")
    ).scalar_one()
    assert (refusal.actor_email, refusal.actor_role, refusal.result) == (
        users[role].email,
        role,
        "refused",
    )
    assert refusal.entity == "route" and refusal.entity_id.startswith("audit.")
    assert path.split("?")[0] in refusal.after


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_see_the_log(client_as, role):
    client = client_as(role)
    seqs = _seqs(client.get("/audit/"))
    assert seqs == [1]  # their own login


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for path in ("/audit/", "/audit/export.csv", "/audit/verify"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_log_is_newest_first_and_shows_time_actor_role_and_source(auditor, users):
    _event(
        action="update",
        entity="competence",
        entity_id=5,
        actor=audit.Actor(users["editor"].id, users["editor"].email, "editor", "10.1.2.3"),
        at=datetime(2025, 7, 1, 8, 30),
        before={"name": "Old"},
        after={"name": "New"},
    )
    page = auditor.get("/audit/")
    assert _seqs(page) == [2, 1]
    html = page.get_data(as_text=True)
    row = html[html.index('data-seq="2"') : html.index('data-seq="1"')]
    assert "2025-07-01 08:30:00 UTC" in row and "2025-07-01 10:30:00" in row  # and Dutch time
    assert users["editor"].email in row and "editor" in row and "10.1.2.3" in row
    assert 'data-result="success"' in row


def test_filters_by_entity_id_actor_action_and_result(auditor, users):
    editor = audit.Actor(users["editor"].id, users["editor"].email, "editor", "10.0.0.1")
    a = _event("create", "service", 1, actor=editor)
    b = _event("update", "service", 1)
    c = _event("update", "service", 2, actor=editor)
    d = _event("create", "person", 1, actor=editor)
    e = _event("refused", "route", "audit.index", actor=editor, result="refused")
    assert _seqs(auditor.get("/audit/?entity=service")) == [c, b, a]
    assert _seqs(auditor.get("/audit/?entity=service&entity_id=1")) == [b, a]
    assert _seqs(auditor.get(f"/audit/?actor={users['editor'].email}")) == [e, d, c, a]
    assert _seqs(auditor.get("/audit/?action=update")) == [c, b]
    assert _seqs(auditor.get("/audit/?result=refused")) == [e]
    assert _seqs(auditor.get(f"/audit/?actor={users['editor'].email}&action=create")) == [d, a]
    assert _seqs(auditor.get("/audit/?action=nothing-like-this")) == []


def test_the_filter_selects_offer_the_values_in_the_log(auditor):
    _event("retire", "competence", 3)
    html = auditor.get("/audit/").get_data(as_text=True)
    assert '<option value="retire">' in html and '<option value="competence">' in html
    assert '<option value="system">' in html


def test_date_filters_are_whole_dutch_days(auditor):
    # 22:30 UTC on 30 June is 00:30 on 1 July in Amsterdam (summer time).
    late = _event(at=datetime(2025, 6, 30, 22, 30))
    early = _event(at=datetime(2025, 6, 30, 21, 30))  # 23:30 on 30 June in Amsterdam
    winter = _event(at=datetime(2025, 1, 10, 23, 30))  # 00:30 on 11 January
    assert _seqs(auditor.get("/audit/?date_from=2025-07-01&date_to=2025-07-01")) == [late]
    assert _seqs(auditor.get("/audit/?date_from=2025-06-30&date_to=2025-06-30")) == [early]
    assert _seqs(auditor.get("/audit/?date_to=2025-01-10")) == []
    assert winter in _seqs(auditor.get("/audit/?date_from=2025-01-11&date_to=2025-01-11"))


def test_a_reversed_date_range_is_explained_and_ignored(auditor):
    response = auditor.get("/audit/?date_from=2025-02-01&date_to=2025-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date lies before the start date." in html
    assert _seqs(response) == [1]


def test_the_history_of_a_record_is_titled_with_its_name(auditor):
    service = factories.make_service(code="zaaksysteem", name="Zaaksysteem")
    db.session.commit()
    mine = _event("create", "service", service.id, after={"code": "zaaksysteem"})
    _event("create", "service", service.id + 1)
    page = auditor.get(f"/audit/?entity=service&entity_id={service.id}")
    html = page.get_data(as_text=True)
    assert _seqs(page) == [mine]
    assert 'data-history="true"' in html
    assert "History of service Zaaksysteem (zaaksysteem)" in html


def test_the_history_of_a_removed_record_still_shows_its_events(auditor):
    seq = _event("delete", "service", 999, before={"code": "gone"})
    page = auditor.get("/audit/?entity=service&entity_id=999")
    assert _seqs(page) == [seq]
    assert "History of service #999" in page.get_data(as_text=True)


def test_each_row_shows_before_and_after_field_by_field(auditor):
    _event(
        "update",
        "service",
        1,
        before={"name": "Old name", "criticality": "low"},
        after={"name": "New name", "criticality": "high"},
    )
    html = auditor.get("/audit/").get_data(as_text=True)
    details = html[html.index('data-seq="2"') :]
    details = details[details.index("<details") : details.index("</details>")]
    assert '<tr class="utrecht-table__row" data-field="name" data-changed="true">' in details
    assert "Old name" in details and "New name" in details
    assert 'data-field="criticality" data-changed="true"' in details


def test_values_are_escaped(auditor):
    _event("create", "service", 1, after={"name": "<script>alert(1)</script>"})
    html = auditor.get("/audit/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_pages_of_events(make_app, users):
    app = make_app(PAGE_SIZE=2)
    for n in range(4):
        _event(entity_id=n)
    client = app.test_client()
    login(client, users["auditor"])  # event 5
    assert _seqs(client.get("/audit/")) == [5, 4]
    assert _seqs(client.get("/audit/?page=3")) == [1]
    assert _seqs(client.get("/audit/?page=2&entity=service")) == [2, 1]


# --- CSV export ----------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(strip_preamble(body.decode("utf-8-sig")))))


def test_csv_export_holds_exactly_the_filtered_events(auditor):
    a = _event("update", "service", 1, before={"name": "Zoë"}, after={"name": "Zoë Ä"})
    _event("create", "person", 1)
    b = _event("update", "service", 2)
    rows = _csv(auditor.get("/audit/export.csv?entity=service&action=update"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["seq", "at_utc", "at_local"] and "hash" in header
    assert [int(row[0]) for row in body] == [b, a]
    assert '{"name":"Zoë Ä"}' in body[1]


def test_csv_export_neutralises_formulas(auditor):
    _event(
        "create",
        "service",
        '=HYPERLINK("http://x")',
        actor=audit.Actor(None, "@evil", "editor", "+31"),
    )
    rows = _csv(auditor.get("/audit/export.csv?action=create"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["entity_id"] == '\'=HYPERLINK("http://x")'
    assert row["actor_email"] == "'@evil" and row["source"] == "'+31"


def test_the_export_link_carries_the_filters(auditor):
    html = auditor.get("/audit/?entity=service&action=update&page=1").get_data(as_text=True)
    link = re.search(r'href="(/audit/export\.csv[^"]*)"', html).group(1)
    assert "entity=service" in link and "action=update" in link and "page" not in link


# --- verification in the browser -----------------------------------------------------------


def _verify(client, **data):
    response = client.post("/audit/verify", data=data)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_verify_button_shows_the_head(auditor, runner):
    _event()
    html = _verify(auditor)
    assert 'data-verification="ok"' in html
    head = runner.invoke(args=["audit", "verify"]).output.strip()
    assert head.startswith("2:") and f'data-head="{head}"' in html


def test_the_verify_button_names_the_first_broken_event(auditor):
    for n in range(3):
        _event(entity_id=n)
    db.session.execute(text("UPDATE audit_events SET entity_id = '99' WHERE seq = 3"))
    db.session.commit()
    html = _verify(auditor)
    assert 'data-verification="broken"' in html and 'data-broken-seq="3"' in html
    assert "Event 3 was altered." in html
    assert '<tr class="utrecht-table__row" data-seq="3"' in html  # the event as stored now


def test_verify_against_a_noted_head_catches_a_truncated_tail(auditor):
    for n in range(3):
        _event(entity_id=n)
    noted = re.search(r'data-head="([^"]+)"', _verify(auditor)).group(1)
    last = db.session.execute(select(AuditEvent).where(AuditEvent.seq == 3)).scalar_one()
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    db.session.execute(text("UPDATE audit_head SET count = 3, hash = :h"), {"h": last.hash})
    db.session.commit()
    assert 'data-verification="ok"' in _verify(auditor)
    html = _verify(auditor, expect=noted)
    assert 'data-verification="broken"' in html and 'data-broken-seq=""' in html
    assert "events at the end were removed" in html


def test_a_malformed_expected_head_is_explained(auditor):
    html = _verify(auditor, expect="12:abc")
    assert "data-verification" not in html
    assert "Enter the head as a number, a colon and the 64-character hash" in html


def test_verifying_writes_nothing(auditor):
    before = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    _verify(auditor)
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == before


def test_the_verify_form_needs_a_csrf_token(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": users["auditor"].email, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/audit/verify").status_code == 400
    page = client.get("/audit/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    html = client.post("/audit/verify", data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-verification="ok"' in html


def test_the_number_of_queries_does_not_grow_with_the_rows(auditor):
    from sqlalchemy import event

    def queries_for(n: int) -> int:
        for i in range(n):
            _event("update", "service", i, before={"name": "a"}, after={"name": "b"})
        statements = []

        def count(*_args):
            statements.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert auditor.get("/audit/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    few = queries_for(2)
    assert few > 0 and queries_for(20) == few
