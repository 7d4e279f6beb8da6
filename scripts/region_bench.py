"""Time the region view at region scale (DESIGN.md, "Region": the region view within 2× the
hand-written SQL for the same figures).

    python scripts/region_bench.py [--organisations 25] [--people 2000] [--database-url URL]

Fills a temporary database the way users do: N organisations, each with the interchange files
of `registry bench`'s generator at 1/N of its region scale (default 25 × 2,000 people, 1,000
shared competences, 500 services, 3,000 requirements, 400,000 holdings in all) imported into
that organisation. Then times, best and median of three runs with the gap cache off: the
hand-written SQL of the statuses per organisation, the region's statements (coverage per
organisation, the gap rows with the candidates in the region, the forecast), the same
analysis organisation by organisation, and the pages over HTTP, cold and on an unchanged
audit head. Checks on the way that the figures agree. PostgreSQL (`--database-url`, or
TEST_DATABASE_URL): a throw-away schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import date

from sqlalchemy import Date, bindparam, text

PASSWORD = "region-bench-password"  # noqa: S105 (a throw-away database)
REPEAT = 3

# DESIGN.md's statuses per organisation, written out as plain SQL (the gap statement of
# registry/bench/reference.py, each table kept to the requirement's organisation).
HAND_WRITTEN_SQL = """
WITH ar AS (
    SELECT r.id, r.organisation_id AS org, r.service_id, r.competence_id,
           r.required_level AS lvl, r.min_holders AS m
    FROM requirements r
    JOIN services s ON s.id = r.service_id
    JOIN competences c ON c.id = r.competence_id
    WHERE s.status IN ('planned', 'active') AND c.retired = :no
),
q AS (
    SELECT ar.id AS rid,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :d)
                  AND (a.end_on IS NULL OR a.end_on > :d)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :d)
                  AND (h.expires_on IS NULL OR h.expires_on > :d)
                  AND (p.start_date IS NULL OR p.start_date <= :d)
                  AND (p.leave_date IS NULL OR p.leave_date > :d)
            THEN 1 ELSE 0 END) AS now,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :e)
                  AND (a.end_on IS NULL OR a.end_on > :e)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :e)
                  AND (h.expires_on IS NULL OR h.expires_on > :e)
                  AND (p.start_date IS NULL OR p.start_date <= :e)
                  AND (p.leave_date IS NULL OR p.leave_date > :e)
            THEN 1 ELSE 0 END) AS later
    FROM ar
    JOIN assignments a ON a.service_id = ar.service_id AND a.organisation_id = ar.org
    JOIN holdings h ON h.person_id = a.person_id AND h.competence_id = ar.competence_id
        AND h.level >= ar.lvl AND h.organisation_id = ar.org
    JOIN people p ON p.id = a.person_id AND p.organisation_id = ar.org
    GROUP BY ar.id
),
st AS (
    SELECT ar.org, COALESCE(q.now, 0) AS now, COALESCE(q.later, 0) AS later, ar.m
    FROM ar LEFT JOIN q ON q.rid = ar.id
)
SELECT org, COUNT(*),
    SUM(CASE WHEN now = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN now > 0 AND later = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN now > 0 AND later > 0 AND (now < m OR later < m) THEN 1 ELSE 0 END),
    SUM(CASE WHEN now >= m AND later >= m THEN 1 ELSE 0 END)
FROM st GROUP BY org
"""


def timed(fn, fresh=lambda: None):
    """(best ms, median ms, the last result) of REPEAT runs, `fresh()` before each."""
    times, result = [], None
    for _ in range(REPEAT):
        fresh()
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), result


def report(label: str, best: float, median: float, base: float | None = None) -> None:
    extra = f"  = {median / base:.2f}× the hand-written" if base else ""
    print(f"{label:<58} {best:8.1f} ms  (median {median:8.1f}){extra}")


def _app(url: str | None, folder: str):
    from registry import create_app

    config = {
        "SECRET_KEY": "region-bench",
        "GAP_CACHE": False,
        "TESTING": False,
        "LOG_LEVEL": "WARNING",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "TWO_FACTOR_REQUIRED_ROLES": (),
    }
    schema = None
    if url and url.startswith("postgres"):
        schema = f"region_bench_{uuid.uuid4().hex[:12]}"
        config["SQLALCHEMY_DATABASE_URI"] = url
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}
        }
    else:
        config["SQLALCHEMY_DATABASE_URI"] = url or f"sqlite:///{folder}/region.sqlite3"
    return create_app(config), schema


def fill(folder: str, organisations_n: int, people: int, as_of: date, horizon: int) -> list[int]:
    """N organisations, each with its generated interchange files imported into it."""
    from registry.audit.services import audit
    from registry.bench.generate import Scale, write_region_folder
    from registry.core import tenancy
    from registry.core.extensions import db
    from registry.organisations import services as organisations
    from registry.organisations.models import Organisation
    from registry.transfer.cli import import_and_commit
    from registry.transfer.services import interchange

    actor = audit.Actor.system("region-bench")
    n = organisations_n
    scale = Scale(people, 1000, max(2, 500 // n), max(1, 3000 // n), people, people * 8)
    ids = []
    for i in range(n):
        code = f"GM{i + 1:04d}"
        if i == 0:
            organisation = db.session.get(Organisation, 1)
            organisations.update(actor, organisation, code, f"Gemeente {i + 1}", "municipality")
        else:
            organisation = organisations.create(actor, code, f"Gemeente {i + 1}")
        db.session.commit()
        ids.append(organisation.id)
        source = os.path.join(folder, code)
        write_region_folder(source, scale, as_of, horizon, seed=i)
        with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
            plan = import_and_commit(interchange.read_folder(source), actor)
        if not plan.ok:
            raise RuntimeError("; ".join(str(p) for p in plan.problems[:5]))
    return ids


def measure(ids: list[int], as_of: date, horizon: int) -> None:
    from registry.core import periods, tenancy
    from registry.core.extensions import db
    from registry.gaps import services as gaps
    from registry.gaps.services import forecast, region

    def fresh():
        db.session.rollback()
        db.session.expire_all()

    stmt = text(HAND_WRITTEN_SQL).bindparams(
        bindparam("d", as_of, type_=Date),
        bindparam("e", periods.horizon_end(as_of, horizon), type_=Date),
        bindparam("no", False),
    )

    def hand():
        return {
            org: (
                int(n),
                dict(zip(("unassigned", "leaving", "undercovered", "covered"), c, strict=True)),
            )
            for org, n, *c in db.session.execute(stmt)
        }

    best, hand_ms, by_hand = timed(hand, fresh)
    report("hand-written SQL: statuses per organisation", best, hand_ms)
    best, median, coverage = timed(lambda: region.coverage_by_organisation(as_of, horizon), fresh)
    report("region: coverage per organisation (one statement)", best, median, hand_ms)
    agree = {k: (v.requirements, v.counts) for k, v in coverage.items()} == {
        k: (n, {s: int(x) for s, x in c.items()}) for k, (n, c) in by_hand.items()
    }
    print(f"{'':<58} agrees with the hand-written SQL: {'yes' if agree else 'NO'}")
    best, median, rows = timed(lambda: region.analyse_by_organisation(as_of, horizon), fresh)
    report(f"region: gap rows with regional candidates ({len(rows):,})", best, median, hand_ms)
    best, median, counts = timed(lambda: region.regional_candidates(as_of, horizon), fresh)
    report("region: regional candidates alone", best, median, hand_ms)
    best, median, _rows = timed(lambda: forecast.compute_by_organisation(as_of, 365), fresh)
    report("region: forecast, 365 days", best, median, hand_ms)

    def each():
        found = {}
        for organisation_id in ids:
            with tenancy.acting_in(tenancy.Scope(organisation_id, several=True)):
                found[organisation_id] = gaps.analyse(as_of, horizon)
        return found

    best, median, own = timed(each, fresh)
    report("every organisation's own analysis, one by one", best, median, hand_ms)
    same = (
        all([r for o, r, _n in rows if o == i] == own[i] for i in ids)
        and {r.requirement_id: n for _o, r, n in rows} == counts
    )
    print(f"{'':<58} the region's rows equal them: {'yes' if same else 'NO'}")
    first = [r.requirement_id for r in own[ids[0]] if r.status != "covered"][:50]
    best, median, _counts = timed(lambda: region.regional_candidates(as_of, horizon, first), fresh)
    report("regional candidates of one gap-list page (50 gaps)", best, median)


def pages(app, first_organisation: int, as_of: date, horizon: int) -> None:
    from werkzeug.security import generate_password_hash

    from registry.accounts.models.users import User
    from registry.audit.services import audit
    from registry.core.extensions import db
    from registry.organisations import services as organisations
    from registry.organisations.models import Organisation

    with app.app_context():
        actor = audit.Actor.system("region-bench")
        for email, where in (
            ("region@example.org", None),
            ("member@example.org", db.session.get(Organisation, first_organisation)),
        ):
            user = User(email=email, name=email, password_hash=generate_password_hash(PASSWORD))
            db.session.add(user)
            db.session.flush()
            organisations.grant(actor, user, where, "auditor")
        db.session.commit()
    clients = {}
    for email in ("region@example.org", "member@example.org"):
        client = app.test_client()  # each request in an app context of its own
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 302, answer.status_code
        clients[email] = client
    q = f"?as_of={as_of.isoformat()}&horizon={horizon}"
    urls = (
        ("region@example.org", "/region/"),
        ("region@example.org", "/region/candidates.csv"),
        ("member@example.org", "/reports/gaps"),
        ("member@example.org", "/reports/gaps.csv"),
        ("member@example.org", "/reports/"),
    )
    for warm in (False, True):
        app.config["GAP_CACHE"] = warm  # on: memoised on the audit head, as in production
        for email, url in urls:
            client = clients[email]
            if warm:
                client.get(url + q)

            def get(client=client, url=url):
                answer = client.get(url + q)
                assert answer.status_code == 200, (url, answer.status_code)

            best, median, _ = timed(get)
            report(f"{url} ({'same audit head' if warm else 'cold'})", best, median)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=25)
    parser.add_argument("--people", type=int, default=2000, help="per organisation")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    from registry.core.extensions import db
    from registry.core.models import Base

    as_of, horizon = date.today(), 90
    with tempfile.TemporaryDirectory(prefix="region-bench-") as folder:
        app, schema = _app(args.database_url, folder)
        try:
            with app.app_context():
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                Base.metadata.create_all(db.engine)
                start = time.perf_counter()
                ids = fill(folder, args.organisations, args.people, as_of, horizon)
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text("ANALYZE"))
                print(
                    f"{db.engine.dialect.name}: {args.organisations} organisations of "
                    f"{args.people:,} people imported in {time.perf_counter() - start:.0f} s"
                )
                measure(ids, as_of, horizon)
            # Outside that context: each request has an app context (and a `g`) of its own.
            pages(app, ids[0], as_of, horizon)
        finally:
            with app.app_context():
                db.session.remove()
                if schema:
                    with db.engine.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                db.engine.dispose()


if __name__ == "__main__":
    main()
