"""A person logs in and out in a real browser, with the keyboard only."""

import pytest

from registry.core.extensions import db
from tests import factories
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e


def test_keyboard_login_home_and_logout(live_server, page, users):
    factories.make_service(name="Zaaksysteem")
    db.session.commit()
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_label("E-mailadres").fill(users["manager"].email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Register voor kennisborging"
    assert page.locator(".kb-card__number").first.inner_text() == "1"
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(live_server + "/login")
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")


def test_wrong_password_shows_the_error_next_to_the_field(live_server, page, users):
    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres").fill(users["editor"].email)
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Inloggen").click()
    error = page.locator("#password-error")
    assert "niet juist" in error.inner_text()
    assert page.get_by_label("Wachtwoord").get_attribute("aria-invalid") == "true"


def test_language_switch_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


def test_skip_link_is_first_in_tab_order(live_server, page):
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
