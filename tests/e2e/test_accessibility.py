"""Accessibility measured in a real browser: axe-core (vendored from npm in tests/e2e/vendor/,
see its VERSION) finds no serious or critical violation on each role's main pages, in English
and in Chinese, a form with errors included; a form is filled and sent with the keyboard alone;
the focus ring has 3:1 contrast or more against what is behind it."""

import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from issues.models import Assignment
from roundtable.accounts.models import User
from tests.e2e.test_ledger_flow import sign_in
from tests.security.test_access_matrix import _world

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.impact + " " + v.id + ": " + v.help + " | " +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + n.failureSummary).join(" || "));
}"""


@pytest.fixture
def axe_page(browser):
    """A page whose context bypasses the Content-Security-Policy: axe is injected as an inline
    script, which the portal's policy refuses (rightly). tests/e2e/test_csp.py holds the pages
    to the policy; this context only measures them."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="en-GB", bypass_csp=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _violations(page, url) -> list[str]:
    if url is not None:
        page.goto(url)
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    return [f"{page.url}: {v}" for v in page.evaluate(RUN_AXE)]


def _pages(ids) -> dict[str, list[str]]:
    x = ids["X"]
    return {
        "staff": [
            "/",
            "/issues/",
            f"/issues/{x}/",
            "/dashboard/",
            "/meetings/",
            f"/meetings/{ids['M']}/",
            "/enterprises/",
            f"/enterprises/{ids['E1']}/",
            "/issues/new/",
            "/notifications/",
        ],
        "liaison_a": ["/", "/issues/my-department/", f"/issues/{x}/", "/dashboard/department/"],
        "head_a": ["/", "/issues/my-department/"],
        "chair": ["/", "/dashboard/", f"/issues/{x}/", "/meetings/"],
        "admin": ["/", "/accounts/users/"],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_serious_or_critical_violation_on_each_roles_main_pages(
    live_server, axe_page, language, personas, dept_a, dept_b, enterprise_1
):
    page = axe_page
    base = live_server.url
    with time_machine.travel("2026-09-29 10:00 +0800", tick=True):
        ids = _world("assigned", personas, dept_a, dept_b, enterprise_1)
        User.objects.update(preferred_language=language)
        problems = _violations(page, base + "/accounts/login/")
        for username, paths in _pages(ids).items():
            page.context.clear_cookies()
            sign_in(page, base, username)
            assert page.locator("html").get_attribute("lang") == language
            for path in paths:
                problems += _violations(page, base + path)
            if username == "staff":
                # A form with errors: the new issue form sent empty.
                page.goto(base + "/issues/new/")
                page.locator("form.form button[type=submit][name=then]").first.click()
                page.wait_for_load_state("load")
                expect(page.locator("[data-error-summary]")).to_be_focused()
                problems += _violations(page, None)
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_a_form_is_filled_and_sent_with_the_keyboard_alone(
    live_server, page, personas, dept_a, dept_b, dept_c, enterprise_1
):
    base = live_server.url
    with time_machine.travel("2026-09-29 10:00 +0800", tick=True):
        ids = _world("assigned", personas, dept_a, dept_b, enterprise_1)
        sign_in(page, base, "staff")

        # The meetings' kind: arrow keys change the select without leaving the page; the
        # Filter button beside it, reached with Tab, sends it with Enter.
        page.goto(base + "/meetings/")
        page.locator("select[name=kind]").focus()
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(300)
        assert "kind=" not in page.url
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Filter")).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"kind=\w"))

        # Assigning issue X (lead A, co-handler B): from the lead department, Tab into the
        # co-handling departments' search box, type a name, Enter adds it; Tab on to the
        # Assign button and Enter sends the form.
        page.goto(base + f"/issues/{ids['X']}/assign/")
        page.locator("select[name=lead_department]").focus()
        page.keyboard.press("Tab")
        page.keyboard.type("Department C")
        expect(page.locator("#field-co_departments .ts-dropdown .option.active")).to_have_text(
            "Department C"
        )
        page.keyboard.press("Enter")
        expect(page.locator("select[name=co_departments] option:checked")).to_have_text(
            ["Department B", "Department C"]
        )
        page.keyboard.press("Escape")
        # Tab on to the Assign button (through the other fields), then Enter.
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "Assign":
                break
        expect(page.get_by_role("button", name="Assign", exact=True)).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/issues/{ids['X']}/")
        assignments = Assignment.objects.filter(issue_id=ids["X"], role="co")
        assert {a.department.code for a in assignments if a.is_current} == {"dept-b", "dept-c"}


CONTRAST = """(el) => {
  function rgb(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(",").map((s) => parseFloat(s));
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  function lum(c) {
    const f = (v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  let node = el.parentElement, back = null;
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c && c.a > 0) { back = c; break; }
    node = node.parentElement;
  }
  back = back || {r: 255, g: 255, b: 255, a: 1};
  const style = getComputedStyle(el);
  const ring = rgb(style.outlineColor);
  const a = lum(ring), b = lum(back);
  return {
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}"""


@pytest.mark.django_db(transaction=True)
def test_the_focus_ring_has_three_to_one_contrast(
    live_server, page, personas, dept_a, dept_b, enterprise_1
):
    base = live_server.url
    with time_machine.travel("2026-09-29 10:00 +0800", tick=True):
        ids = _world("assigned", personas, dept_a, dept_b, enterprise_1)
        sign_in(page, base, "liaison_a")
        page.goto(base + f"/issues/{ids['X']}/")
        # Tab from the top through the page: every element that takes the focus shows a ring
        # of 3:1 or more against the background behind it (the header's, a panel's, the page's).
        seen = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            handle = page.evaluate_handle("document.activeElement")
            if page.evaluate("(el) => el === document.body", handle):
                break
            ring = page.evaluate(CONTRAST, handle)
            where = page.evaluate("(el) => el.outerHTML.slice(0, 80)", handle)
            assert ring["style"] != "none" and ring["width"] >= 2, where
            assert ring["ratio"] >= 3, f"{ring['ratio']:.2f}:1 at {where}"
            seen += 1
        assert seen >= 15
