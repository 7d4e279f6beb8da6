"""`make loadtest`: a bounded load test against a real server on the loopback interface.

1. Prepares a database: a temporary SQLite file, or DATABASE_URL when it is set (PostgreSQL;
   use a database of its own: the demo municipality and test accounts are added to it).
2. Starts `registry serve` on 127.0.0.1 and a free port, and waits until /readyz answers.
3. Runs locust headless (scripts/loadtest/locustfile.py): logged-in users of every role who
   read pages and write (edit people, plan mitigations, export personal data).
4. Prints the figures and exits 1 when any response was a server error (5xx) or a request
   failed to complete.

Bounded: LOADTEST_SECONDS (default 90, at most 150) of load, LOADTEST_USERS (default 12)
users, LOADTEST_WORKERS (default 2) server processes; setup and shutdown fit in the rest of
three minutes.
"""

import csv
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyotp

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ROLES = ("admin", "editor", "manager", "auditor")
PASSWORD = "loadtest-" + secrets.token_hex(8)
MAX_SECONDS = 150


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare(env: dict, per_role: int) -> dict:
    """Migrate, load the demo, create the test accounts; return what the users will touch."""
    subprocess.run([BIN / "registry", "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [BIN / "registry", "demo", "--if-empty"], env=env, check=True, capture_output=True
    )
    os.environ.update(env)
    from sqlalchemy import select

    from registry import create_app
    from registry.accounts.services import users
    from registry.audit.services import audit
    from registry.catalogue.models.services import Requirement, Service
    from registry.core.extensions import db
    from registry.people.models.staff import Person

    app = create_app()
    with app.app_context():
        run = secrets.token_hex(4)  # new accounts every run: a shared database keeps working
        accounts, totp = {}, {}
        for role in ROLES:
            accounts[role] = []
            for n in range(per_role):
                email = f"loadtest-{run}-{role}-{n}@loadtest.example"
                user = users.create_user(audit.Actor.system("loadtest"), email, role, PASSWORD)
                accounts[role].append(email)
                if role == "admin":  # admins need a second factor: enrol them with a known key
                    user.totp_secret = pyotp.random_base32()
                    user.totp_confirmed_at = datetime.now(UTC)
                    totp[email] = user.totp_secret
        db.session.commit()
        people = list(
            db.session.execute(
                select(Person.employee_number)
                .where(Person.anonymised_at.is_(None))
                .order_by(Person.id)
                .limit(200)
            ).scalars()
        )
        requirements = [
            [code, rid]
            for code, rid in db.session.execute(
                select(Service.code, Requirement.id)
                .join(Service, Service.id == Requirement.service_id)
                .order_by(Requirement.id)
                .limit(200)
            )
        ]
        services = list(db.session.execute(select(Service.code).limit(50)).scalars())
        db.engine.dispose()
    return {
        "password": PASSWORD,
        "accounts": accounts,
        "totp": totp,
        "people": people,
        "requirements": requirements,
        "services": services,
    }


def _wait_ready(port: int, process: subprocess.Popen) -> None:
    for _attempt in range(300):
        if process.poll() is not None:
            raise SystemExit("registry serve ended before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("registry serve did not become ready")


def _report(prefix: Path, database: str) -> int:
    """Print the figures from locust's CSV; the number of server errors and failures."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    failures = []
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    print(f"\nLoad test on {database}:")
    print(f"{'request':<44} {'count':>7} {'fail':>5} {'median':>7} {'p95':>7} {'max':>7}")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(
            f"{(row['Type'] + ' ' + name)[:44]:<44} {row['Request Count']:>7} "
            f"{row['Failure Count']:>5} {row['50%']:>7} {row['95%']:>7} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(
        f"\n{total['Request Count']} requests, {total['Failure Count']} failed, "
        f"{float(total['Requests/s']):.1f} requests/s; times in ms."
    )
    for failure in failures:
        print(
            f"FAILED {failure['Method']} {failure['Name']}: "
            f"{failure['Error']} ×{failure['Occurrences']}"
        )
    return int(total["Failure Count"])


def main() -> int:
    seconds = min(int(os.environ.get("LOADTEST_SECONDS", "90")), MAX_SECONDS)
    users = int(os.environ.get("LOADTEST_USERS", "12"))
    workers = os.environ.get("LOADTEST_WORKERS", "2")
    work = Path(tempfile.mkdtemp(prefix="kennisborg-loadtest-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{work}/loadtest.sqlite3"
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REGISTRY_SECRET_KEY": secrets.token_hex(32),
        "REGISTRY_LOG_LEVEL": "WARNING",
        "HOME": str(work),
    }
    env.pop("REGISTRY_ENV", None)
    per_role = max(1, -(-users // len(ROLES)))
    targets = _prepare(env, per_role)
    (work / "targets.json").write_text(json.dumps(targets))
    port = _free_port()
    server_log = open(work / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            BIN / "registry",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            workers,
        ],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(port, server)
        prefix = work / "locust"
        locust = subprocess.run(
            [
                BIN / "locust",
                "-f",
                HERE / "locustfile.py",
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **env,
                "LOADTEST_TARGETS": str(work / "targets.json"),
                "LOADTEST_STATUSES": str(work / "statuses.json"),
            },
            timeout=seconds + 60,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    failed = _report(prefix, database)
    statuses = work / "statuses.json"
    if statuses.exists():
        print("\nAnswers by status (writes: 302 saved, 200 form shown again, 409 conflict):")
        for key, count in json.loads(statuses.read_text()).items():
            print(f"  {key:<70} {count:>6}")
    errors = [
        line
        for line in (work / "server.log").read_text().splitlines()
        if '"level": "ERROR"' in line
    ]
    print(f"Server log: {work / 'server.log'} ({len(errors)} error lines).")
    if failed or errors or locust.returncode not in (0, 1):
        print("Load test FAILED: server errors or failed requests (see above).")
        return 1
    print("Load test passed: no server errors.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
