"""The API's pages in a browser: an administrator makes a token on the tokens page, and the
reference renders from the vendored Swagger UI under the site's CSP (no CDN)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_admin_makes_a_token_and_reads_the_reference(live_server, demo, page):
    violations, outside = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None,
    )
    email, password = demo["admin"]
    log_in(page, live_server, email, password)
    page.goto(live_server + "/tokens")
    page.locator("#email").fill(demo["editor"][0])
    page.locator("#name").fill("HR sync")
    page.locator("main").get_by_role("button", name="Create token").click()
    token = page.locator("[data-token]").inner_text()
    assert token.startswith("kb_")
    page.goto(live_server + "/api/v1/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Kennisborg API", timeout=20_000)
    expect(page.locator("#api-reference")).to_contain_text("/api/v1/sync/people")
    assert not violations, violations
    assert not outside, outside
