"""Operations: health checks without login, request ids, JSON log lines, trusted proxies."""

import json

import pytest
from sqlalchemy import text

from registry.core.extensions import db


def _lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_answers_when_the_database_is_at_the_newest_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_refuses_a_database_behind_the_code_and_leaks_nothing(app, client):
    (version,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json == {"status": "unavailable"}
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        db.session.commit()


def test_readyz_refuses_an_unreachable_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/none.sqlite3")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True).strip() == '{"status":"unavailable"}'


def test_a_request_id_is_taken_from_the_header_or_generated(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "<script>" * 3})
    assert made.headers["X-Request-ID"] not in ("", "<script>" * 3)
    assert len(made.headers["X-Request-ID"]) == 32


def test_every_request_is_one_json_log_line(make_app, users, capsys):
    from tests.support import login

    app = make_app()
    client = app.test_client()
    login(client, users["auditor"])
    capsys.readouterr()
    response = client.get("/reports/", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 200
    lines = [
        line for line in _lines(capsys.readouterr().err) if line["logger"] == "registry.request"
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-42"
    assert line["user_id"] == users["auditor"].id
    assert line["route"] == "/reports/"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")


def test_a_refusal_is_logged_with_its_request(make_app, users, capsys):
    from tests.support import login

    app = make_app()
    client = app.test_client()
    login(client, users["manager"])
    capsys.readouterr()
    assert client.get("/audit/", headers={"X-Request-ID": "r-403"}).status_code == 403
    lines = _lines(capsys.readouterr().err)
    refusal = [line for line in lines if line["logger"] == "registry.core.error_pages"]
    assert refusal and refusal[0]["request_id"] == "r-403"
    assert refusal[0]["level"] == "WARNING"


def test_text_log_format_for_a_terminal(make_app, capsys):
    app = make_app(LOG_FORMAT="text")
    capsys.readouterr()
    app.test_client().get("/login")
    err = capsys.readouterr().err
    assert "INFO registry.request: request [" in err and "status=200" in err


@pytest.mark.parametrize(("on_a_terminal", "expected"), [(True, "text"), (False, "json")])
def test_the_default_log_format_follows_standard_error(
    make_app, capsys, monkeypatch, on_a_terminal, expected
):
    """Someone running a command on a terminal reads text lines; a service manager or a log
    collector (no terminal) gets JSON lines."""
    from registry.core import logs

    monkeypatch.setattr(logs.sys.stderr, "isatty", lambda: on_a_terminal, raising=False)
    app = make_app()
    assert app.config["LOG_FORMAT"] == "auto"
    capsys.readouterr()
    app.test_client().get("/login")
    line = [x for x in capsys.readouterr().err.splitlines() if "registry.request" in x][0]
    if expected == "json":
        assert json.loads(line)["status"] == 200
    else:
        assert "INFO registry.request: request [" in line and "status=200" in line


def test_forwarded_headers_are_ignored_without_trusted_proxies(make_app):
    app = make_app()

    @app.get("/_probe")
    def _probe():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    from registry.accounts.web import security

    security.PUBLIC_ENDPOINTS.add("_probe")
    try:
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        plain = app.test_client().get("/_probe", headers=headers)
        assert plain.get_data(as_text=True) == "127.0.0.1 http"

        proxied_app = make_app(TRUSTED_PROXIES=1)
        proxied_app.add_url_rule("/_probe", "_probe", _probe)
        proxied = proxied_app.test_client().get("/_probe", headers=headers)
        assert proxied.get_data(as_text=True) == "203.0.113.9 https"
    finally:
        security.PUBLIC_ENDPOINTS.discard("_probe")


def test_registry_log_records_reach_pytests_caplog(client_as, caplog):
    """Log lines propagate to the root logger, so any test can assert what was logged."""
    client = client_as("manager")
    with caplog.at_level("WARNING"):
        assert client.get("/audit/").status_code == 403
    assert any(
        r.name == "registry.core.error_pages" and "refused" in r.message for r in caplog.records
    )
