"""Golden master of the pages: GET a fixed list of URLs as every role and write each body.

    python scripts/golden_master.py OUTPUT_DIR        # record the pages of this checkout
    python scripts/golden_master.py --compare A B     # byte-for-byte comparison of two runs

Builds the app on a temporary SQLite database, migrates it, loads the demo municipality with a
fixed password, logs in as each role and GETs about 150 URLs per role: every report (with and
without filters), every dossier, list, form and confirmation page. Only what legitimately
differs between two runs is normalised: timestamps (audit log, last login), audit hashes,
CSRF tokens and session-dependent ids. Run it on two commits (e.g. one checked out with
`git worktree add`, PYTHONPATH pointing at it) and compare: a refactor must not change a byte.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

PASSWORD = "golden-master-password"  # noqa: S105 (a throw-away demo database)
# A fixed day for every date the pages compute (as_of, horizon): "today" is passed explicitly
# where the page accepts it, the rest is normalised.
AS_OF = "2026-06-01"

_NORMALISE = (
    (re.compile(rb'(name="csrf_token"[^>]*value=")[^"]*"'), rb'\1CSRF"'),
    (re.compile(rb'(name="csrf-token" content=")[^"]*"'), rb'\1CSRF"'),
    (re.compile(rb"\b[0-9a-f]{64}\b"), b"HASH"),
    (re.compile(rb"\b[0-9a-f]{12,16}\b"), b"HEX"),
    (
        re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z| UTC)?"),
        b"TIME",
    ),
    (re.compile(rb"\d{1,2} [a-z]{3,9}\.? \d{4},? \d{2}:\d{2}(:\d{2})?"), b"TIME"),
    (re.compile(rb"\d{2}:\d{2}:\d{2}"), b"TIME"),
    (re.compile(rb"/transfer/preview/[A-Za-z0-9_-]+"), b"/transfer/preview/TOKEN"),
)


def normalise(body: bytes) -> bytes:
    for pattern, replacement in _NORMALISE:
        body = pattern.sub(replacement, body)
    return body


def _urls(app) -> list[str]:
    """The fixed list of pages, filled in from the demo's records."""
    from sqlalchemy import select

    from registry.accounts.models.users import User
    from registry.catalogue.models.competences import Competence, Framework
    from registry.catalogue.models.services import Provider, Requirement, Service
    from registry.core.extensions import db
    from registry.mitigations.models import Mitigation
    from registry.people.models.holdings import Assignment, Holding
    from registry.people.models.staff import OrgUnit, Person

    with app.app_context():
        s = db.session
        services = list(s.scalars(select(Service.code).order_by(Service.code)))
        competences = list(s.scalars(select(Competence.code).order_by(Competence.code)))
        people = list(s.scalars(select(Person.employee_number).order_by(Person.employee_number)))
        frameworks = list(s.scalars(select(Framework.id).order_by(Framework.id)))
        providers = list(s.scalars(select(Provider.id).order_by(Provider.id)))
        units = list(s.scalars(select(OrgUnit.id).order_by(OrgUnit.id)))
        assignments = list(s.scalars(select(Assignment.id).order_by(Assignment.id)))
        holdings = list(s.scalars(select(Holding.id).order_by(Holding.id)))
        users = list(s.scalars(select(User.id).order_by(User.id)))
        requirements = list(
            s.execute(
                select(Service.code, Requirement.id)
                .join(Requirement.service)
                .order_by(Service.code, Requirement.id)
            )
        )
        mitigations = list(
            s.execute(
                select(Service.code, Requirement.id, Mitigation.id)
                .join(Mitigation.requirement)
                .join(Requirement.service)
                .order_by(Mitigation.id)
            )
        )

    q = f"as_of={AS_OF}"
    urls = [
        "/",
        "/login",
        "/account/password",
        f"/reports/?{q}",
        f"/reports/?{q}&horizon=365",
        f"/reports/?{q}&horizon=0",
        "/reports/?as_of=2020-01-01",
        f"/reports/gaps?{q}",
        f"/reports/gaps?{q}&status=unassigned",
        f"/reports/gaps?{q}&status=leaving",
        f"/reports/gaps?{q}&status=covered",
        f"/reports/gaps?{q}&horizon=365&page=2",
        f"/reports/gaps.csv?{q}",
        f"/reports/gaps.csv?{q}&horizon=365",
        f"/reports/matrix?{q}",
        f"/reports/matrix?{q}&horizon=365",
        f"/reports/skills?{q}",
        f"/reports/what-if?{q}",
        f"/reports/what-if?{q}&change_1-person={people[0]}",
        f"/reports/what-if?{q}&change_1-person={people[1]}&change_2-person={people[2]}"
        f"&change_2-leave_on=2026-08-01&change_3-person={people[3]}&change_3-service={services[0]}",
        f"/reports/what-if?{q}&change_1-person=NOPE",
        "/services/",
        "/services/?q=a",
        "/services/new",
        "/services/mitigations",
        "/services/providers/",
        "/services/providers/new",
        "/competences/",
        "/competences/?q=risk",
        "/competences/new",
        "/competences/frameworks/",
        "/competences/frameworks/new",
        "/people/",
        "/people/?q=jan",
        "/people/?page=2",
        "/people/new",
        "/people/org-units",
        "/people/org-units/new",
        "/people/assignments/new",
        f"/people/assignments/new?person={people[0]}",
        f"/people/assignments/new?service={services[0]}",
        "/people/holdings/new",
        f"/people/holdings/new?person={people[0]}",
        f"/people/holdings/new?competence={competences[0]}",
        "/transfer/",
        "/users/",
        "/users/new",
        "/users/review",
        "/users/review.csv",
        "/audit/",
        "/audit/?page=2",
        "/audit/verify",
        "/attestations/",
        "/attestations/1",
        "/mitigations/",
        "/my-work/",
        "/privacy/",
        f"/reports/suppliers/?{q}",
        "/reports/trend/",
        "/tokens",
        "/nowhere",
    ]
    for code in services:
        urls += [f"/services/{code}?{q}", f"/services/{code}/edit", f"/services/{code}/retire"]
        urls += [f"/services/{code}/delete", f"/services/{code}/requirements/new"]
    for code, rid in requirements[:6]:
        urls += [f"/services/{code}/requirements/{rid}/edit"]
        urls += [f"/services/{code}/requirements/{rid}/delete"]
        urls += [f"/services/{code}/requirements/{rid}/mitigations/new"]
    for code, rid, mid in mitigations[:4]:
        urls += [f"/services/{code}/requirements/{rid}/mitigations/{mid}/edit"]
    for code in competences[:20]:
        urls += [f"/competences/{code}?{q}"]
    for code in competences[:3]:
        urls += [f"/competences/{code}/edit", f"/competences/{code}/retire"]
        urls += [f"/competences/{code}/delete"]
    for number in people[:24]:
        urls += [f"/people/{number}?{q}"]
    for number in people[:4]:
        urls += [f"/people/{number}/edit", f"/people/{number}/departure"]
        urls += [f"/people/{number}/delete"]
    for fid in frameworks[:2]:
        urls += [f"/competences/frameworks/{fid}/edit", f"/competences/frameworks/{fid}/delete"]
    for pid in providers[:2]:
        urls += [f"/services/providers/{pid}/edit", f"/services/providers/{pid}/delete"]
    for uid in units[:3]:
        urls += [f"/people/org-units/{uid}/edit", f"/people/org-units/{uid}/delete"]
    for aid in assignments[:4]:
        urls += [f"/people/assignments/{aid}/edit", f"/people/assignments/{aid}/end"]
        urls += [f"/people/assignments/{aid}/delete"]
    for hid in holdings[:4]:
        urls += [f"/people/holdings/{hid}/edit", f"/people/holdings/{hid}/delete"]
    for uid in users[:2]:
        urls += [f"/users/{uid}", f"/users/{uid}/password"]
    return urls


def _build(workdir: Path):
    """A migrated SQLite database with the demo, accounts with a known password."""
    from flask_migrate import upgrade

    import registry.transfer.services.demo as demo
    from registry import create_app
    from registry.audit.services import audit
    from registry.catalogue.models.services import Requirement
    from registry.core.extensions import db
    from registry.mitigations.models import Mitigation
    from registry.people.models.staff import Person

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "golden-master",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'golden.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # The administrator's pages are part of the master: no two-factor step for it.
            "TWO_FACTOR_REQUIRED_ROLES": (),
        }
    )
    with app.app_context():
        upgrade()
        demo.secrets.token_urlsafe = lambda n=None: PASSWORD  # known passwords, nothing else
        accounts = demo.load_demo(audit.Actor.system("golden-master"))
        # Two mitigations, so their pages are part of the master (the demo has none).
        from datetime import date

        requirements = list(db.session.scalars(db.select(Requirement).order_by(Requirement.id)))
        owner = db.session.scalars(db.select(Person).order_by(Person.employee_number)).first()
        for requirement, kind in zip(requirements[:2], ("training", "hire"), strict=True):
            db.session.add(
                Mitigation(
                    requirement=requirement,
                    kind=kind,
                    owner=owner,
                    due_on=date(2026, 9, 1),
                    status="open",
                    note="golden master",
                )
            )
        # The manager is the owner's account (its "my work" page), the auditor attests the
        # report of AS_OF and the editor has an API token: their pages are part of it too.
        from registry.accounts.models.users import User
        from registry.accounts.services import tokens
        from registry.audit.services import attestations

        users = {u.role: u for u in db.session.scalars(db.select(User))}
        users["manager"].person = owner
        actor = audit.Actor.system("golden-master")
        attestations.create(actor, users["auditor"], date.fromisoformat(AS_OF), 90, "golden")
        tokens.create_token(actor, users["editor"], "read", 30, name="golden master")
        db.session.commit()
    return app, {role: email for email, role, _ in accounts}


def record(output: Path) -> int:
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        app, emails = _build(Path(tmp))
        urls = _urls(app)
        (output / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        count = 0
        for role in ("admin", "editor", "manager", "auditor"):
            client = app.test_client()
            answer = client.post("/login", data={"email": emails[role], "password": PASSWORD})
            assert answer.status_code == 302, answer.get_data(as_text=True)
            folder = output / role
            folder.mkdir(exist_ok=True)
            for number, url in enumerate(urls):
                response = client.get(url, headers={"Accept-Language": "nl"})
                kind = response.mimetype or ""
                if kind.startswith("text/") or kind.endswith("json"):
                    body = normalise(response.get_data())
                else:  # binary downloads (zip, xlsx) carry timestamps: keep size class only
                    body = b"binary\n"
                head = f"{response.status_code} {kind} {url}\n".encode()
                name = f"{number:03d}_" + re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_")[:80]
                (folder / f"{name}.txt").write_bytes(head + body)
                count += 1
        with app.app_context():
            from registry.core.extensions import db

            db.engine.dispose()
    print(f"{count} pages written to {output}")
    return 0


def compare(before: Path, after: Path, loose: bool = False) -> int:
    """Byte-for-byte (or, with --loose, whitespace-insensitive) comparison of two runs."""
    names = sorted(p.relative_to(before) for p in before.rglob("*.txt"))
    other = sorted(p.relative_to(after) for p in after.rglob("*.txt"))
    differ = [
        n for n in names if n in other and _read(before / n, loose) != _read(after / n, loose)
    ]
    missing = sorted(set(names) ^ set(other))
    for name in differ:
        print(f"differs: {name}")
    for name in missing:
        print(f"only in one run: {name}")
    same = len(names) - len(differ) - len(set(names) - set(other))
    print(f"{same} of {len(names)} pages identical, {len(differ)} differ, {len(missing)} missing")
    return 1 if differ or missing else 0


def _read(path: Path, loose: bool) -> bytes:
    data = path.read_bytes()
    return re.sub(rb"\s+", b" ", data).replace(b"> <", b"><") if loose else data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--compare", action="store_true", help="compare two recorded runs")
    parser.add_argument("--loose", action="store_true", help="ignore whitespace when comparing")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.paths[:2], loose=args.loose)
    return record(args.paths[0])


if __name__ == "__main__":
    sys.exit(main())
