"""Fuzz the API with schemathesis against a live server: `make fuzz` (CI: `.ci/run`).

Builds its own database (a temporary SQLite file, or the PostgreSQL database named by
--database-url / FUZZ_DATABASE_URL, whose public schema is reset), loads the demo
municipality, creates an administrator with a write token, serves the app on 127.0.0.1 at a
free port, and runs `st run` with every check, a fixed number of examples per operation and a
fixed seed, so that a run is repeatable. The exit status is schemathesis's.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry import create_app  # noqa: E402
from registry.accounts.services import tokens, users  # noqa: E402
from registry.audit.services import audit  # noqa: E402
from registry.core.extensions import db  # noqa: E402
from registry.transfer.services import demo  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    """No line per request: schemathesis reports what matters."""

    def log_request(self, *args, **kwargs):
        pass


def _prepare(url: str) -> str:
    """A migrated database with the demo data; returns a write token of an administrator."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "fuzz"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        actor = audit.Actor.system("fuzz")
        demo.load_demo(actor)
        admin = users.create_user(actor, "fuzz-admin@example.org", "admin", "fuzz-password-1")
        _token, secret = tokens.create_token(actor, admin, "write", 1, name="schemathesis")
        db.session.commit()
        db.engine.dispose()
    return secret


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("FUZZ_DATABASE_URL"))
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--report-dir", default=None)
    parser.add_argument("extra", nargs="*", help="more options for `st run`")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kennisborg-fuzz-") as folder:
        url = options.database_url or f"sqlite:///{folder}/fuzz.sqlite3"
        secret = _prepare(url)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "fuzz",
                "RATELIMIT_ENABLED": False,
                "CLI_LOCALE": "en",
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        command = [
            str(Path(sys.executable).parent / "st"),
            "--config-file",
            str(ROOT / "scripts" / "schemathesis.toml"),
            "run",
            f"{base}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            "all",
            "--max-examples",
            str(options.max_examples),
            "--seed",
            str(options.seed),
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--output-sanitize",
            "true",
            *(
                ["--report", "junit", "--report-dir", options.report_dir]
                if options.report_dir
                else []
            ),
            *options.extra,
        ]
        print(
            "$", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in command)
        )
        try:
            return subprocess.run(command, check=False).returncode
        finally:
            server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
