"""p50/p95 of `GET /api/v1/gaps` at region scale (the data of `registry bench`).

Builds the bench's region-sized registry (interchange files through the importer, as users
fill it) in a temporary SQLite file (or, with --database-url,
a throw-away schema of that PostgreSQL database), creates a read token, and requests the gap
list N times through the WSGI app in this process (no network; the token lookup, the
analysis, JSON encoding and every hook of a real request are included). Measured twice: with
the gap cache off (every request computes the analysis) and on (the cache keyed on the audit
head, as in production). Timings on a shared machine are noisy: report them as such.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry import bench, create_app  # noqa: E402
from registry.accounts.services import tokens, users  # noqa: E402
from registry.audit.services import audit  # noqa: E402
from registry.core.extensions import db  # noqa: E402
from registry.core.models import Base  # noqa: E402
from registry.transfer.cli import import_and_commit  # noqa: E402
from registry.transfer.services import interchange  # noqa: E402


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--small", action="store_true")
    options = parser.parse_args()
    scale = bench.Scale.small() if options.small else bench.Scale()
    as_of = date.today()
    with tempfile.TemporaryDirectory(prefix="kennisborg-api-latency-") as tmp:
        config = {"SECRET_KEY": "latency", "RATELIMIT_ENABLED": False}
        schema = None
        if options.database_url:
            schema = f"latency_{uuid.uuid4().hex[:12]}"
            config["SQLALCHEMY_DATABASE_URI"] = options.database_url
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "connect_args": {"options": f"-csearch_path={schema}"}
            }
        else:
            config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/latency.sqlite3"
        base = create_app(config)
        with base.app_context():
            try:
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                Base.metadata.create_all(db.engine)
                start = time.perf_counter()
                folder = Path(tmp) / "region"
                bench.write_region_folder(folder, scale, as_of, 90, 2025)
                actor = audit.Actor.system("latency")
                plan = import_and_commit(interchange.read_folder(folder), actor)
                assert plan.ok, plan.problems[:5]
                counts = {name: c.create for name, c in plan.counts.items()}
                print(f"generated and imported in {time.perf_counter() - start:.0f} s: {counts}")
                user = users.create_user(actor, "latency@example.org", "auditor", "latency-pw-1")
                _token, secret = tokens.create_token(actor, user, "read", 1)
                db.session.commit()
                for cache in (False, True):
                    app = create_app({**config, "GAP_CACHE": cache})
                    client = app.test_client()
                    headers = {"Authorization": f"Bearer {secret}"}
                    first = client.get("/api/v1/gaps", headers=headers)
                    assert first.status_code == 200, first.get_data(as_text=True)[:300]
                    times = []
                    for _ in range(options.requests):
                        start = time.perf_counter()
                        response = client.get("/api/v1/gaps", headers=headers)
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200
                    print(
                        f"GET /api/v1/gaps, gap cache {'on' if cache else 'off'}, "
                        f"{len(first.json)} rows, {options.requests} requests: "
                        f"p50 {statistics.median(times):.0f} ms, "
                        f"p95 {_percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms"
                    )
                    with app.app_context():
                        db.engine.dispose()
            finally:
                db.session.remove()
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
