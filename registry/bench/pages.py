"""Pages over HTTP as a logged-in manager: cold in a new process, cold with nothing stored,
and warm, against the goals of issue 12 (under 1 s cold, under 100 ms warm)."""

import logging
import statistics
import time

from sqlalchemy import func, select

from registry.bench.figures import Figure
from registry.gaps.rules import gaps as rules

GOAL_WARM_MS, GOAL_COLD_MS = 100, 1_000


def measure_pages(app, repeat: int, echo) -> list[Figure]:
    """Every page a manager opens most, over HTTP on the loopback (a server thread on a free
    port), logged in as a manager: cold in a new process (nothing in memory, the stored
    results of `gaps/store.py` in the database, as after a restart or in a second worker),
    cold with nothing stored (the first view of a day nobody computed yet) and warm (median
    of `repeat` further views)."""
    import http.cookiejar
    import re
    import secrets
    import threading
    import urllib.parse
    import urllib.request

    from werkzeug.serving import make_server

    from registry.accounts.services import users
    from registry.audit.services import audit
    from registry.catalogue.models.competences import Competence
    from registry.catalogue.models.services import Service
    from registry.core.extensions import db
    from registry.gaps import services as gaps
    from registry.gaps.services import forecast as forecasting
    from registry.gaps.services import head_cache, prepare, store
    from registry.people.models.holdings import Assignment, Holding
    from registry.people.models.staff import Person

    app.config.update(GAP_CACHE=True, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    password = secrets.token_urlsafe(12)
    email = f"bench-{secrets.token_hex(4)}@example.org"
    users.create_user(audit.Actor.system("bench"), email, "manager", password, "Bench")
    db.session.commit()
    # The busiest analysed service and the most widely held competence: the dearest dossiers.
    service = db.session.scalar(
        select(Service.code)
        .join(Assignment, Assignment.service_id == Service.id)
        .where(Service.status.in_(rules.ANALYSED_SERVICE_STATUSES))
        .group_by(Service.code)
        .order_by(func.count().desc(), Service.code)
        .limit(1)
    )
    competence = db.session.scalar(
        select(Competence.code)
        .join(Holding, Holding.competence_id == Competence.id)
        .group_by(Competence.code)
        .order_by(func.count().desc(), Competence.code)
        .limit(1)
    )
    person = db.session.scalar(
        select(Person.employee_number).where(Person.leave_date.is_(None)).order_by(Person.id)
    )
    db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def get(path: str) -> bytes:
        with opener.open(base + path, timeout=600) as response:
            return response.read()

    figures = []
    try:
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', get("/login"))
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"email": email, "password": password, "csrf_token": token.group(1).decode()}
        opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=600).read()
        pages = [
            ("dashboard", "/reports/"),
            ("gap list", "/reports/gaps"),
            ("coverage matrix", "/reports/matrix"),
            ("service dossier", f"/services/{service}"),
            ("competence dossier", f"/competences/{competence}"),
            ("person dossier", f"/people/{person}"),
        ]
        echo("")
        echo(
            f"{'page over HTTP, as a manager':<44} {'new proc':>8}  {'nothing':>8}  "
            f"{'warm':>8}  size"
        )

        def forget(stored: bool) -> None:
            """What a new process has in memory (nothing); `stored`: the database's stored
            results go too, as before anything was ever computed for that day."""
            with app.app_context():
                gaps.clear_cache()
                forecasting.clear_cache()
                head_cache.clear()
                if stored:
                    store.clear()
                    db.session.commit()

        def timed(path: str) -> tuple[float, bytes]:
            start = time.perf_counter()
            body = get(path)
            return (time.perf_counter() - start) * 1000, body

        for label, path in pages:
            forget(stored=True)
            empty, _ = timed(path)
            with app.app_context():
                prepare.todays_figures()  # as the last import or the nightly job left it
            forget(stored=False)
            cold, body = timed(path)
            warm = [timed(path)[0] for _ in range(repeat)]
            w = statistics.median(warm)
            verdict = "ok" if cold <= GOAL_COLD_MS and w <= GOAL_WARM_MS else "MISSES"
            echo(
                f"{label + ' ' + path[:30]:<44} {cold:8.1f}  {empty:8.1f}  {w:8.1f}  "
                f"{len(body) / 1024:.0f} KB  {verdict} (goals {GOAL_COLD_MS} / {GOAL_WARM_MS} ms)"
            )
            figures.append(Figure(f"{label}, HTTP cold (ms)", [cold], goal_ms=GOAL_COLD_MS))
            figures.append(Figure(f"{label}, HTTP cold, nothing stored (ms)", [empty]))
            figures.append(Figure(f"{label}, HTTP warm (ms)", warm, goal_ms=GOAL_WARM_MS))
    finally:
        server.shutdown()
        thread.join()
    return figures
