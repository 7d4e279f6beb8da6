"""Browser tests: the app served on a loopback port, driven by Playwright in Debian's Chromium.

Playwright never downloads a browser here; when /usr/bin/chromium is missing the tests skip.
"""

import os
import threading
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from registry.accounts.models.users import User
from registry.audit.services import audit
from registry.core.database import sqlite_immediate
from registry.core.extensions import db
from registry.organisations.models import Membership
from registry.transfer.services.demo import load_demo
from tests import factories
from tests.support import PASSWORD, empty_database, totp_now

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app):
    """Serve `app` on 127.0.0.1 on a free port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


# --- the demo municipality, CSRF on, and helpers shared by the journeys ----------------


@pytest.fixture
def app(make_app):
    """The test app with CSRF protection on, as in production (the shared `app` turns it off
    for the test client); otherwise the same set-up and clean-up."""
    sqlite_immediate.set(False)
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_database()
        db.session.remove()


@pytest.fixture
def demo(app) -> dict[str, tuple[str, str]]:
    """Gemeente Voorbeeldstad with one account per role: role -> (e-mail, password).

    The accounts get the tests' PASSWORD with a cheap hash (as the factories do), so that the
    many logins of the browser tests do not each pay for a production-strength scrypt."""
    accounts = load_demo(audit.Actor.system("test"))
    cheap = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
    db.session.execute(update(User).values(password_hash=cheap))
    # The demo administrator has enrolled in two-factor authentication (required for admins);
    # log_in types its current code.
    db.session.execute(
        update(User)
        .where(User.id.in_(select(Membership.user_id).where(Membership.role == "admin")))
        .values(totp_secret=factories.TOTP_SECRET, totp_confirmed_at=datetime(2026, 1, 1))
    )
    db.session.commit()
    return {role: (email, PASSWORD) for email, role, _password in accounts}


@pytest.fixture
def context_factory(browser):
    """New browser contexts (separate cookie jars: separate users), closed afterwards."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "nl-NL")
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def log_in(page: Page, base: str, email: str, password: str, english: bool = True) -> None:
    """Log in through the login form; first switch the interface to English if asked."""
    page.goto(base + "/login")
    if english:
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    if "/two-factor/code" in page.url:  # an administrator: the code from the app
        page.locator("#code").fill(_current_code(email))
        page.locator("#code").press("Enter")
        page.wait_for_url(lambda url: "/two-factor/" not in url)


def _current_code(email: str) -> str:
    """The account's current TOTP code, made usable again (codes are single-use)."""
    db.session.rollback()
    user = db.session.execute(select(User).where(User.email == email)).scalar_one()
    return totp_now(user)


def new_user_page(context_factory, base: str, email: str, password: str, **options) -> Page:
    page = context_factory(**options).new_page()
    log_in(page, base, email, password)
    return page


def click_and_wait(page: Page, locator, url: str) -> None:
    """Click a link or submit button and wait until the browser shows `url` (a glob)."""
    locator.click()
    page.wait_for_url(url)


def submit(page: Page, name: str = "Save"):
    """The submit button of the page's main form, by its name."""
    return page.locator("main").get_by_role("button", name=name, exact=True)


def choose_option(select, text: str) -> None:
    """Pick the option of `select` whose label contains `text` (labels hold codes and names)."""
    value = select.locator("option").filter(has_text=text).first.get_attribute("value")
    select.select_option(value)


def requirement_row(page: Page, competence_code: str):
    """A row of the service dossier's requirement table."""
    return page.locator(f"#requirements tr[data-competence='{competence_code}']")


def stored(statement):
    """Read what is stored now (after any request), in a fresh transaction."""
    db.session.rollback()
    return db.session.execute(statement).scalar()
