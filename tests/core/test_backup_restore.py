"""The backups of docs/DEPLOYMENT.md restore: back up a registry with the documented command,
restore it into a fresh database, and `registry audit verify` gives the same head there.

SQLite always; PostgreSQL (pg_dump / pg_restore) when TEST_DATABASE_URL names a server and the
client tools are installed (two scratch databases named after the test database are made and
dropped)."""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REGISTRY = Path(sys.executable).with_name("registry")


def _registry(database_url: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "REGISTRY_SECRET_KEY": "backup-test"}
    env.pop("REGISTRY_ENV", None)
    result = subprocess.run(
        [str(REGISTRY), *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def _fill(url: str, cwd: Path) -> str:
    """A registry with history: the demo, an anonymisation (redactions), then its head."""
    _registry(url, "db", "upgrade", cwd=cwd)
    _registry(url, "demo", cwd=cwd)
    _registry(url, "privacy", "anonymise", "--left-before", date.today().isoformat(), cwd=cwd)
    head = _registry(url, "audit", "verify", cwd=cwd)
    assert head.count(":") == 1 and int(head.split(":")[0]) > 1
    return head


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_sqlite_backup_restores_with_the_same_audit_head(tmp_path):
    source = tmp_path / "registry.sqlite3"
    head = _fill(f"sqlite:///{source}", tmp_path)
    backup = tmp_path / "backup.sqlite3"
    subprocess.run(["sqlite3", str(source), f".backup '{backup}'"], check=True, timeout=120)

    restored = tmp_path / "restored" / "registry.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)  # restoring = putting the backup file in place
    url = f"sqlite:///{restored}"
    assert _registry(url, "audit", "verify", cwd=tmp_path) == head
    assert _registry(url, "audit", "verify", "--expect", head, cwd=tmp_path) == head


def _postgres() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres") or not shutil.which("pg_dump"):
        return None
    return url


@pytest.mark.skipif(_postgres() is None, reason="needs TEST_DATABASE_URL and pg_dump")
def test_postgresql_backup_restores_with_the_same_audit_head(tmp_path):
    base = urlsplit(_postgres())
    name = base.path.lstrip("/")

    def url_for(database: str) -> str:
        return urlunsplit(base._replace(path="/" + database))

    def client(tool: str, *args: str) -> None:
        subprocess.run([tool, *args], check=True, timeout=300, capture_output=True)

    source, target = f"{name}_backup_src", f"{name}_backup_dst"
    server = [
        "-h",
        base.hostname or "127.0.0.1",
        "-p",
        str(base.port or 5432),
        "-U",
        base.username or "postgres",
    ]
    for database in (source, target):
        client("dropdb", *server, "--if-exists", database)
    client("createdb", *server, source)
    try:
        head = _fill(url_for(source), tmp_path)
        dump = tmp_path / "registry.dump"
        client("pg_dump", *server, "--format=custom", "--file", str(dump), source)
        client("createdb", *server, target)
        client("pg_restore", *server, "--no-owner", "--exit-on-error", "-d", target, str(dump))
        assert _registry(url_for(target), "audit", "verify", cwd=tmp_path) == head
        assert _registry(url_for(target), "audit", "verify", "--expect", head, cwd=tmp_path) == head
    finally:
        for database in (source, target):
            client("dropdb", *server, "--if-exists", database)
