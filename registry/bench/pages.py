"""Pages over HTTP as a logged-in manager: cold in a new process, cold with nothing stored,
and warm, against the goals of issue 12 (under 1 s cold, under 100 ms warm).

`time_pages` serves an app on the loopback and times the pages one account opens; `measure_pages`
does it for a registry of one organisation, `registry bench --region` (`bench/region.py`) for
one municipality of a region and the same municipality alone.
"""

import http.cookiejar
import logging
import re
import secrets
import statistics
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from sqlalchemy import func, select

from registry.bench.figures import Figure
from registry.core import tenancy
from registry.gaps.rules import gaps as rules

GOAL_WARM_MS, GOAL_COLD_MS = 100, 1_000


@dataclass
class PageTime:
    """One page's times in ms, each state as often as it was measured: cold in a new
    process, cold with nothing stored, warm; and the size of its body."""

    label: str
    path: str
    cold: list[float]
    empty: list[float]
    warm: list[float]
    size: int

    def median(self, state: str) -> float:
        return statistics.median(getattr(self, state))


def bench_account(role: str = "manager", scope: tenancy.Scope | None = None) -> tuple[str, str]:
    """A new account with `role` where `scope` acts (None: the registry's only organisation),
    committed; its e-mail address and password."""
    from registry.accounts.services import users
    from registry.audit.services import audit
    from registry.core.extensions import db

    password = secrets.token_urlsafe(12)
    email = f"bench-{secrets.token_hex(4)}@example.org"
    with tenancy.acting_in(scope):
        users.create_user(audit.Actor.system("bench"), email, role, password, "Bench")
        db.session.commit()
    return email, password


def dearest_records() -> tuple[str | None, str | None, str | None]:
    """The busiest analysed service, the most widely held competence and the first person
    still employed, as codes and number: the dearest dossiers (of the organisation acted in)."""
    from registry.catalogue.models.competences import Competence
    from registry.catalogue.models.services import Service
    from registry.core.extensions import db
    from registry.people.models.holdings import Assignment, Holding
    from registry.people.models.staff import Person

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
        select(Person.employee_number)
        .where(Person.leave_date.is_(None))
        .order_by(Person.id)
        .limit(1)
    )
    return service, competence, person


class PageServer:
    """`app` served on a free loopback port with the gap cache on, a browser logged in as
    `email`; times its pages in the three states of `time_pages`. `scope`: the organisation
    the account acts in, where today's figures are prepared and stored. A context manager."""

    def __init__(self, app, email: str, password: str, scope: tenancy.Scope | None = None):
        self.app, self.email, self.password, self.scope = app, email, password, scope

    def __enter__(self) -> "PageServer":
        from werkzeug.serving import make_server

        self.cache_was = self.app.config.get("GAP_CACHE")
        self.app.config.update(GAP_CACHE=True, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        try:
            self._login()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.thread.join()
        self.app.config["GAP_CACHE"] = self.cache_was

    def _login(self) -> None:
        page = self.get("/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"email": self.email, "password": self.password}
        form["csrf_token"] = token.group(1).decode()
        data = urllib.parse.urlencode(form).encode()
        self.opener.open(self.base + "/login", data, timeout=600).read()

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=600) as response:
            return response.read()

    def timed(self, path: str) -> tuple[float, bytes]:
        """The time of one GET in ms, and the body."""
        start = time.perf_counter()
        body = self.get(path)
        return (time.perf_counter() - start) * 1000, body

    def forget(self, stored: bool) -> None:
        """What a new process has in memory (nothing); `stored`: the database's stored
        results go too, as before anything was ever computed for that day."""
        from registry.core.extensions import db
        from registry.gaps import services as gaps
        from registry.gaps.services import forecast as forecasting
        from registry.gaps.services import head_cache, store

        with self.app.app_context(), tenancy.acting_in(self.scope):
            gaps.clear_cache()
            forecasting.clear_cache()
            head_cache.clear()
            if stored:
                store.clear()
                db.session.commit()

    def prepare(self) -> None:
        """Today's figures, as the last import or the nightly job left them."""
        from registry.gaps.services import prepare

        with self.app.app_context(), tenancy.acting_in(self.scope):
            prepare.todays_figures()

    def empty(self, path: str) -> float:
        """Cold with nothing stored; leaves today's figures stored."""
        self.forget(stored=True)
        took, _ = self.timed(path)
        self.prepare()
        return took

    def cold(self, path: str) -> tuple[float, bytes]:
        """Cold in a new process: nothing in memory, today's figures stored."""
        self.forget(stored=False)
        return self.timed(path)


def time_pages(
    app,
    email: str,
    password: str,
    pages: list[tuple[str, str]],
    repeat: int,
    scope: tenancy.Scope | None = None,
) -> list[PageTime]:
    """Serve `app` on a free loopback port, log in as `email`, and time each (label, path) of
    `pages`: cold in a new process (nothing in memory, the stored results of `gaps/store.py`
    in the database, as after a restart or in a second worker), cold with nothing stored (the
    first view of a day nobody computed yet) and warm (`repeat` further views)."""
    from registry.core.extensions import db

    db.session.remove()
    times = []
    with PageServer(app, email, password, scope) as server:
        for label, path in pages:
            empty = server.empty(path)
            cold, body = server.cold(path)
            warm = [server.timed(path)[0] for _ in range(repeat)]
            times.append(PageTime(label, path, [cold], [empty], warm, len(body)))
    return times


def dossier_pages(service, competence, person) -> list[tuple[str, str]]:
    """The pages a manager opens most, for the dearest records."""
    return [
        ("dashboard", "/reports/"),
        ("gap list", "/reports/gaps"),
        ("coverage matrix", "/reports/matrix"),
        ("service dossier", f"/services/{service}"),
        ("competence dossier", f"/competences/{competence}"),
        ("person dossier", f"/people/{person}"),
    ]


def measure_pages(app, repeat: int, echo) -> list[Figure]:
    """Every page a manager opens most, over HTTP on the loopback, logged in as a manager of
    the registry's only organisation: cold in a new process, cold with nothing stored and warm
    (median of `repeat` further views)."""
    email, password = bench_account()
    pages = dossier_pages(*dearest_records())
    echo("")
    echo(f"{'page over HTTP, as a manager':<44} {'new proc':>8}  {'nothing':>8}  {'warm':>8}  size")
    figures = []
    for page in time_pages(app, email, password, pages, repeat):
        cold, empty, w = page.median("cold"), page.median("empty"), page.median("warm")
        verdict = "ok" if cold <= GOAL_COLD_MS and w <= GOAL_WARM_MS else "MISSES"
        echo(
            f"{page.label + ' ' + page.path[:30]:<44} {cold:8.1f}  {empty:8.1f}  "
            f"{w:8.1f}  {page.size / 1024:.0f} KB  {verdict} (goals {GOAL_COLD_MS} / "
            f"{GOAL_WARM_MS} ms)"
        )
        figures.append(Figure(f"{page.label}, HTTP cold (ms)", page.cold, goal_ms=GOAL_COLD_MS))
        figures.append(Figure(f"{page.label}, HTTP cold, nothing stored (ms)", page.empty))
        figures.append(Figure(f"{page.label}, HTTP warm (ms)", page.warm, goal_ms=GOAL_WARM_MS))
    return figures
