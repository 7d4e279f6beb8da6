"""An administrator sets up two-factor authentication in a real browser, with the keyboard,
and needs the code at the next log-in; the new pages pass the accessibility basics."""

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from registry.accounts.models.users import User
from registry.core.extensions import db
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import _basics, _console_problems

pytestmark = pytest.mark.e2e


def test_an_admin_enrols_then_logs_in_with_a_code(live_server, demo, context_factory):
    base = live_server
    email, password = demo["admin"]
    db.session.execute(update(User).where(User.email == email).values(totp_secret=None))
    db.session.commit()
    page = context_factory().new_page()
    console = _console_problems(page)

    log_in(page, base, email, password, english=False)
    page.wait_for_url("**/two-factor/enrol**")
    assert _basics(page) == []
    expect(page.get_by_role("img")).to_have_attribute("alt", re.compile("QR-code"))
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.goto(base + "/users/")  # nothing else is reachable yet
    page.wait_for_url("**/two-factor/enrol**")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("#code").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Herstelcodes")
    assert page.locator("[data-recovery-codes] li").count() == 10
    assert _basics(page) == []
    page.get_by_role("link", name="Ik heb ze bewaard; verder").click()
    page.goto(base + "/two-factor/")
    assert _basics(page) == []
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")

    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url("**/two-factor/code")
    assert _basics(page) == []
    page.goto(base + "/users/")
    page.wait_for_url("**/login**")  # no page before the code
    assert console == []
