"""`registry serve` runs gunicorn: started as a real process on a free loopback port, it answers
/readyz and logs JSON lines with the request id."""

import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REGISTRY = Path(sys.executable).with_name("registry")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)  # the process closed its output


def _wait_for(lines: queue.Queue, seen: list, predicate, limit: int = 500) -> str:
    """The first line matching `predicate` (each wait bounded; the process may have died)."""
    for _ in range(limit):
        line = lines.get(timeout=60)
        if line is None:
            pytest.fail("registry serve ended:\n" + "".join(seen))
        seen.append(line)
        if predicate(line):
            return line
    pytest.fail("no such line:\n" + "".join(seen))


def _get(port: int, path: str, request_id: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"X-Request-ID": request_id})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture
def server(_schema, tmp_path):
    """`registry serve` on 127.0.0.1 and a free port, on the (migrated) test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _schema,
        "REGISTRY_SECRET_KEY": "serve-test-" + "k" * 40,
        "REGISTRY_LOG_FORMAT": "json",
        "REGISTRY_LOG_LEVEL": "INFO",
        "HOME": str(tmp_path),
    }
    env.pop("REGISTRY_ENV", None)
    process = subprocess.Popen(
        [str(REGISTRY), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, seen, lambda line: "Listening at" in line)
        yield port, lines, seen
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_registry_serve_answers_readyz_and_logs_json(server):
    port, lines, seen = server
    status, headers, body = _get(port, "/readyz", "ready-1")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["X-Request-ID"] == "ready-1"
    assert headers["Server"].startswith("gunicorn")

    status, _headers, _body = _get(port, "/login", "login-1")
    assert status == 200
    line = _wait_for(lines, seen, lambda text: '"login-1"' in text)
    record = json.loads(line)
    assert record["logger"] == "registry.request"
    assert record["route"] == "/login" and record["status"] == 200
    assert record["level"] == "INFO" and "duration_ms" in record and "time" in record
    # gunicorn's own messages are JSON too
    assert all(json.loads(text)["level"] for text in seen if text.startswith("{"))


def test_production_refuses_to_serve_an_insecure_setup(_schema, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _schema,
        "REGISTRY_ENV": "production",
        "HOME": str(tmp_path),
    }
    env.pop("REGISTRY_SECRET_KEY", None)
    result = subprocess.run(
        [str(REGISTRY), "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "REGISTRY_SECRET_KEY" in result.stderr and "REGISTRY_HTTPS" in result.stderr
    assert "Traceback" not in result.stderr
