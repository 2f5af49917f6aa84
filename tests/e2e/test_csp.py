"""The Content-Security-Policy in a real browser: every role's main pages load without one
violation (Chromium reports each refused inline script, style or handler on the console and
as a securitypolicyviolation event), and what runs from static files still works: htmx's
ledger filter, sort and deadline preview, the boosted actions of the issue page, the
enterprise pickers, the searchable multiple choices, the select that submits its form, the
address selected on focus."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from issues import services
from issues.models import Assignment, Issue
from tests.e2e.test_ledger_flow import sign_in
from tests.security.test_access_matrix import _world

pytestmark = pytest.mark.e2e

POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")

# Report each violation through a binding, which the page's own policy does not restrict,
# and which outlives navigations and htmx's swaps alike.
WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation(
    e.effectiveDirective + " refused " + (e.blockedURI || "inline") + " at " +
    e.sourceFile + ":" + e.lineNumber + " " + (e.sample || "")
  );
});
"""


@pytest.fixture
def watched(page):
    """The browser page, and every policy violation, policy header error and uncaught script
    error it met, with the address it was on."""
    problems = []
    page.expose_binding(
        "__cspViolation", lambda source, text: problems.append(f"{page.url}: {text}")
    )
    page.add_init_script(WATCH_VIOLATIONS)

    def on_console(message):
        if any(word in message.text for word in POLICY_WORDS):
            problems.append(f"{page.url}: console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: uncaught {error}"))
    return page, problems


def _visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("load")
    return response


def _mark_document(page):
    """A mark that a full page load would wipe out: still there after an htmx swap."""
    page.evaluate("window.__samePage = true")


def _same_document(page) -> bool:
    return page.evaluate("window.__samePage === true")


def _as(page, base, username):
    page.context.clear_cookies()
    sign_in(page, base, username)


@pytest.mark.django_db(transaction=True)
def test_every_roles_pages_run_without_a_policy_violation_and_their_scripts_work(
    live_server, watched, personas, dept_a, dept_b, enterprise_1
):
    page, problems = watched
    base = live_server.url
    with time_machine.travel("2026-09-29 10:00 +0800", tick=True):
        ids = _world("assigned", personas, dept_a, dept_b, enterprise_1)
        x = ids["X"]

        # --- Anonymous: sign-in, password reset, an error page.
        for path in ("/accounts/login/", "/accounts/password/reset/"):
            assert _visit(page, base + path).status == 200
        assert _visit(page, base + "/no-such-page/").status == 404

        # --- Commerce staff.
        _as(page, base, "staff")
        for path in (
            "/",
            f"/issues/{x}/",
            f"/issues/{x}/history/",
            "/dashboard/",
            "/dashboard/report/",
            f"/meetings/{ids['M']}/",
            "/enterprises/",
            f"/enterprises/{ids['E1']}/",
            "/reminders/log/",
            "/notifications/",
            "/accounts/",
        ):
            assert _visit(page, base + path).status == 200, path

        # The ledger: a ticked status asks htmx for the results alone; the address follows.
        _visit(page, base + "/issues/")
        _mark_document(page)
        page.locator("#ledger-filters summary").click()  # the filters fold to one line
        page.locator("input[name=status][value=assigned]").check()
        page.wait_for_url(re.compile(r"/issues/\?.*status=assigned"))
        expect(page.locator("#ledger-count")).to_have_text(re.compile(r"^1 issue"))
        # A sort heading too, and the filter form then keeps that sort.
        page.locator("#ledger-results thead").get_by_role("link", name="Title").click()
        page.wait_for_url(re.compile(r"sort=title"))
        expect(page.locator("#ledger-sort input[name=sort]")).to_have_value("title")
        page.locator("input[name=status][value=assigned]").uncheck()
        page.locator("input[name=status][value=closed]").check()
        page.wait_for_url(re.compile(r"/issues/\?(?!.*status=assigned).*status=closed.*sort=title"))
        expect(page.locator("#ledger-count")).to_have_text(re.compile(r"^0 issues"))
        assert _same_document(page)
        # The filtered address is a page of its own: reloading it shows the same.
        page.reload()
        expect(page.locator("input[name=sort]")).to_have_value("title")

        # Logging an issue: the enterprise picker searches; the deadline preview counts.
        _visit(page, base + "/issues/new/")
        page.locator(".picker-search").fill("Enterprise One")
        expect(
            page.locator("select[name=enterprise] option", has_text="Enterprise One")
        ).to_have_count(1)
        page.locator("input[name=deadline_working_days]").fill("5")
        # Tue 29 Sep + 5 working days, National Day (1-7 Oct) off, Sat 10 Oct worked: 12 Oct.
        expect(page.locator("#deadline-preview")).to_contain_text("2026-10-12")

        # Meetings: the kind select, picked with the pointer, submits its form (with the
        # keyboard it waits for the button: tests/e2e/test_accessibility.py).
        _visit(page, base + "/meetings/")
        page.locator("select[name=kind]").dispatch_event("pointerdown")
        page.locator("select[name=kind]").select_option("roundtable")
        page.wait_for_url(re.compile(r"kind=roundtable"))
        # The participants' enterprises: a searchable multiple choice (tom-select) that asks
        # the server as it is typed.
        _visit(page, base + "/meetings/new/")
        search = page.locator("#field-enterprises .ts-control input")
        expect(search).to_have_attribute("placeholder", "Search enterprises by name or credit code")
        search.fill("Enterprise One")
        expect(page.locator("#field-enterprises .ts-dropdown .option")).to_contain_text(
            ["Enterprise One"]
        )
        page.keyboard.press("Enter")
        expect(page.locator("select[name=enterprises] option:checked")).to_have_count(1)

        # The second factor's set-up page: its QR code is an inline SVG element.
        _visit(page, base + "/accounts/two-factor/set-up/")
        expect(page.locator("svg.segno")).to_be_visible()

        # --- Liaison of A (lead of X): accept, then progress, each without a page load.
        _as(page, base, "liaison_a")
        for path in ("/", "/issues/my-department/", "/calendar/"):
            assert _visit(page, base + path).status == 200, path
        page.locator("#feed-url").focus()
        assert page.evaluate(
            "(() => { const i = document.getElementById('feed-url');"
            " return i.selectionStart === 0 && i.selectionEnd === i.value.length; })()"
        )

        _visit(page, base + f"/issues/{x}/")
        _mark_document(page)
        page.locator("#accept-button").click()
        expect(page.locator("#issue-status")).to_have_text("In progress")
        expect(page.locator(".messages")).to_contain_text("Accepted.")
        page.locator("#progress-form textarea[name=body]").fill("Site inspection done.")
        page.get_by_role("button", name="Post progress").click()
        expect(page.locator("#timeline")).to_contain_text("Site inspection done.")
        assert _same_document(page)

        # --- Liaison of B: the assignment is accepted in another tab meanwhile, so returning
        # it is refused (409); the refusal and the typed reason show in place.
        _as(page, base, "liaison_b")
        _visit(page, base + f"/issues/{x}/")
        _mark_document(page)
        co = Assignment.objects.get(pk=ids["B"])
        services.assignment_accept(actor=personas["LB"], assignment=co)
        page.locator("#respond textarea[name=reason]").fill("Not our remit")
        page.get_by_role("button", name="Return with this reason").click()
        expect(page.locator(".messages")).to_be_visible()
        expect(page.locator("#kept-text")).to_contain_text("Not our remit")
        assert _same_document(page)
        assert Issue.objects.get(pk=x).status == Issue.Status.IN_PROGRESS

        # --- Chair.
        _as(page, base, "chair")
        for path in ("/", "/dashboard/", f"/issues/{x}/"):
            assert _visit(page, base + path).status == 200, path

        # --- Administrator: the portal's pages and the Django admin's.
        _as(page, base, "admin")
        for path in (
            "/",
            "/accounts/users/",
            f"/accounts/users/{ids['U']}/",
            "/admin/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{ids['U']}/change/",
            f"/admin/issues/issue/{x}/change/",
            f"/admin/issues/issue/{x}/history/",
        ):
            assert _visit(page, base + path).status == 200, path

        page.wait_for_timeout(200)  # violations are reported as tasks after the page's own
    assert problems == [], "\n".join(problems)
