"""Accessibility basics of every main page, checked in a real browser on the demo municipality:
one h1, a language, the skip link first in the tab order, a name for every form control, button
and link, alt text on images, unique ids, headings that do not skip a level; no console error
or CSP violation; and the pages work with JavaScript switched off.

These checks do not replace a WCAG audit; they catch the regressions a template change makes.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from registry.people.models.staff import OrgUnit
from tests.e2e.conftest import log_in, stored

pytestmark = pytest.mark.e2e

# The journeys' fixtures: the app with CSRF on, the demo municipality, extra browser contexts.

# Every main page, as the administrator sees it (the role that sees every page and button).
PAGES = (
    "/",
    "/reports/",
    "/reports/gaps",
    "/reports/matrix",
    "/reports/what-if",
    "/reports/what-if?change_1-person=P05",
    "/reports/skills?service=digitaal-loket",
    "/services/",
    "/services/digitaal-loket",
    "/services/providers/",
    "/mitigations/",
    "/my-work/",
    "/reports/trend/",
    "/competences/",
    "/competences/D.8",
    "/competences/frameworks/",
    "/people/",
    "/people/P05",
    "/people/org-units",
    "/services/new",
    "/services/digitaal-loket/edit",
    "/people/holdings/new?person=P05",
    "/people/assignments/new?service=digitaal-loket",
    "/people/P05/departure",
    "/audit/",
    "/audit/verify",
    "/attestations/",
    "/attestations/new",
    "/reports/suppliers/",
    "/users/review",
    "/users/",
    "/users/new",
    "/privacy/",
    "/transfer/",
    "/account/password",
    "/two-factor/",
    "/services/bestaat-niet",  # the error page (404)
)

# Runs in the page: every problem found, as text.
CHECKS = r"""() => {
  const problems = [];
  const text = el => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
  const ariaName = el => (el.getAttribute('aria-label') || '').trim() ||
    (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map(id => text(document.getElementById(id))).join(' ').trim();
  const describe = el => el.outerHTML.slice(0, 100);

  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  if (!document.documentElement.lang) problems.push('no lang attribute on <html>');
  if (!document.title.trim()) problems.push('no title');

  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    if (!(text(label) || ariaName(el))) problems.push(`control without a label: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll('button, a[href], summary')) {
    if (!(text(el) || ariaName(el))) problems.push(`nameless ${el.tagName}: ${describe(el)}`);
  }
  for (const img of document.querySelectorAll('img, input[type=image]')) {
    if (!img.hasAttribute('alt')) problems.push(`image without alt: ${describe(img)}`);
  }
  for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby], label[for]')) {
    const ids = [el.getAttribute('aria-describedby'), el.getAttribute('aria-labelledby'),
                 el.getAttribute('for')].join(' ').split(/\s+/).filter(Boolean);
    for (const id of ids) {
      if (!document.getElementById(id)) problems.push(`reference to a missing id "${id}"`);
    }
  }
  const seen = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) problems.push(`duplicate id "${el.id}"`);
    seen.add(el.id);
  }
  let previous = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1) problems.push(`heading ${h.tagName} after h${previous}: ${text(h)}`);
    previous = level;
  }
  return problems;
}"""


def _basics(page) -> list[str]:
    """The page's problems, including the skip link not being the first thing Tab reaches."""
    problems = page.evaluate(CHECKS)
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
    if first != "#main":
        problems.append(f"first focusable element is {first!r}, not the skip link")
    return problems


def _console_problems(page) -> list:
    """Collects console errors (CSP violations are reported there too) and script errors."""
    seen = []
    page.on(
        "console",
        lambda msg: (
            seen.append((page.url, msg.text, msg.location.get("url")))
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append((page.url, str(error), None)))
    return seen


def test_every_main_page_has_the_accessibility_basics(live_server, demo, context_factory):
    base = live_server
    page = context_factory().new_page()
    console = _console_problems(page)

    found = {}
    page.goto(base + "/login")
    found["/login"] = _basics(page)
    assert page.locator("html").get_attribute("lang") == "nl"
    log_in(page, base, *demo["admin"], english=False)

    for path in PAGES:
        response = page.goto(base + path)
        assert response.status == (404 if "bestaat-niet" in path else 200), path
        assert page.locator("html").get_attribute("lang") == "nl", path
        found[path] = _basics(page)

    assert {path: problems for path, problems in found.items() if problems} == {}
    # The 404 page's own status is reported on the console by Chromium; nothing else may be.
    unexpected = [
        entry for entry in console if not (entry[2] or "").endswith("/services/bestaat-niet")
    ]
    assert unexpected == []


def test_skip_link_moves_the_focus_to_the_main_content(live_server, demo, page):
    log_in(page, live_server, *demo["manager"], english=False)
    page.goto(live_server + "/reports/gaps")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_work_without_javascript(live_server, demo, context_factory):
    base = live_server
    page = context_factory(java_script_enabled=False).new_page()
    log_in(page, base, *demo["editor"], english=False)

    # The language switch on an ordinary page keeps the user on that page.
    page.goto(base + "/reports/?horizon=120")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/reports/?horizon=120")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-horizon]").get_attribute("data-horizon") == "120"
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_url("**/reports/?horizon=120")
    assert page.locator("html").get_attribute("lang") == "nl"

    # A GET form behind a <details> disclosure: the gap list filtered on one status.
    page.goto(base + "/reports/gaps")
    page.locator("details.kb-filters > summary").click()
    page.locator("input[name='status'][value='unassigned']").check()
    page.locator("details.kb-filters button[type='submit']").click()
    page.wait_for_url("**/reports/gaps?*status=unassigned*")
    statuses = {s.get_attribute("data-status") for s in page.locator("#gaps [data-status]").all()}
    assert statuses == {"unassigned"}

    # A POST form (with its CSRF token): a new org unit, then the list shows it.
    page.goto(base + "/people/org-units/new")
    page.locator("#name").fill("Team Regie Sociaal Domein")
    parent = page.locator("#parent_id option", has_text="Afdeling Sociaal Domein").first
    page.locator("#parent_id").select_option(parent.get_attribute("value"))
    page.locator("main form button[type='submit']").click()
    page.wait_for_url("**/people/org-units")
    expect(page.locator("main")).to_contain_text("Team Regie Sociaal Domein")
    assert (
        stored(select(OrgUnit.path).where(OrgUnit.name == "Team Regie Sociaal Domein"))
        == "Afdeling Sociaal Domein / Team Regie Sociaal Domein"
    )


# Text outside tables that sticks out of a 320 px wide viewport (a table may scroll by itself).
OVERFLOW = r"""() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main h1, main h2, main p, main form, main .utrecht-alert')]
    .filter(el => !el.closest('table') && el.getBoundingClientRect().right > width + 1)
    .map(el => `${el.tagName} ${Math.round(el.getBoundingClientRect().right)}px: ` +
               el.textContent.replace(/\s+/g, ' ').trim().slice(0, 40));
}"""


def test_text_reflows_at_320_pixels(live_server, demo, context_factory):
    page = context_factory(viewport={"width": 320, "height": 640}).new_page()
    log_in(page, live_server, *demo["manager"], english=False)
    found = {}
    for path in (
        "/",
        "/reports/",
        "/reports/gaps",
        "/services/digitaal-loket",
        "/people/P05",
        "/services/providers/",
        "/transfer/",
    ):
        page.goto(live_server + path)
        found[path] = page.evaluate(OVERFLOW)
    assert {path: problems for path, problems in found.items() if problems} == {}
