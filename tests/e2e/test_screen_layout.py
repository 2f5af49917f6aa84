"""Layout in a real browser (issue 16), on the demo site in English and in Chinese:

- no hidden overflow at 1366×900: for each role, every page of its main navigation, an issue,
  an enterprise (for those who read them), notifications and the account page; the page never
  scrolls sideways, and nothing that clips or scrolls is wider than its box, except a cell cut
  with an ellipsis that carries its full text in a title, and a table wrapper marked with a
  visible scroll cue;
- density: the ledger, My department and the meetings list show 20 rows or more in the first
  900 px in compact rows, which the reader turns on with a button and keeps;
- phones: at 390×844 a liaison's home, My department, an issue with its actions and the
  notifications do not scroll sideways, and the issue lists are cards showing reference,
  title, deadline and status."""

import pytest

from issues.models import Assignment, Issue
from roundtable.accounts.models import User
from tests.e2e import layout_world as world

pytestmark = pytest.mark.e2e

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "zh-hans")

# What clips or scrolls and is wider than its box, and is not allowed to be; and panels whose
# content spills out of them.
HIDDEN_OVERFLOW = """() => {
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (!["hidden", "auto", "scroll", "clip"].includes(style.overflowX)) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) continue;
    // Visually hidden text (for screen readers): a 1 px box, clipped.
    if (el.clientWidth <= 1 || style.clip !== "auto") continue;
    // Cut with an ellipsis, the full text on hover.
    if (style.textOverflow === "ellipsis" && el.closest("[title]")) continue;
    // A table that scrolls sideways and shows it (a shadow at the hiding edge).
    if (el.matches("[data-scroll-cue]") && style.backgroundImage.includes("gradient")) continue;
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "");
    found.push(`${name} ${el.scrollWidth}>${el.clientWidth}`);
  }
  // A panel whose content spills out of it (drawn over its neighbour, or cut by the page).
  for (const el of document.querySelectorAll(".panel, .card")) {
    if (el.scrollWidth > el.clientWidth + 1 && !el.querySelector("[data-scroll-cue]")) {
      const box = el.tagName.toLowerCase() + "." + el.className.trim().split(/\\s+/).join(".");
      found.push(`spills out of ${box} ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  const root = document.documentElement;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, hidden: found.slice(0, 5)};
}"""

# Rows of the issue and meeting tables whose bottom is within the first 900 px of the page.
ROWS_ON_FIRST_SCREEN = """() => [...document.querySelectorAll(
  "table.issue-table tbody tr, table.meeting-rows tbody tr")].filter(row => {
    const box = row.getBoundingClientRect();
    return box.height > 0 && box.bottom + window.scrollY <= 900;
  }).length"""


@pytest.fixture
def site(live_server):
    return {"base": live_server.url, **world.build()}


def _context(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(15_000)
    return context


def _main_pages(page, base: str, username: str) -> list[str]:
    """The role's navigation, an issue and an enterprise it may open, notifications, account."""
    links = page.locator("nav.site-nav a").evaluate_all("links => links.map(a => a.pathname)")
    pages = [path for path in links if not path.startswith("/admin/")]
    user = User.objects.get(username=username)
    issue = Issue.objects.visible_to(user).filter(year__lt=2030).order_by("-pk").first()
    if issue is not None and "/issues/" in pages:
        pages.append(f"/issues/{issue.pk}/")
    if "/enterprises/" in pages:
        # The enterprise with the most contacts (the contacts table used to overflow).
        from django.db.models import Count

        from roundtable.enterprises.models import Enterprise

        most = Enterprise.objects.annotate(n=Count("contacts")).order_by("-n", "pk").first()
        pages.append(f"/enterprises/{most.pk}/")
    return [*dict.fromkeys([*pages, "/notifications/", "/accounts/"])]


@pytest.mark.django_db(transaction=True)
def test_no_page_of_any_role_overflows_at_1366(site, browser):
    base, problems, measured = site["base"], [], 0
    for username in world.ROLES:
        context = _context(browser, DESK)
        page = context.new_page()
        world.sign_in(page, base, username)
        for language in LANGUAGES:
            world.switch_language(page, language)
            for path in _main_pages(page, base, username):
                response = page.goto(base + path)
                assert response.status == 200, (username, path, response.status)
                found = page.evaluate(HIDDEN_OVERFLOW)
                measured += 1
                if found["scrollWidth"] > found["clientWidth"] or found["hidden"]:
                    problems.append((username, language, path, found))
        context.close()
    assert measured >= 5 * 2 * 6
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.django_db(transaction=True)
def test_lists_show_twenty_rows_on_the_first_screen_in_compact_rows(site, browser):
    base = site["base"]
    lists = {
        "staff": ["/issues/", f"/meetings/?view=quarter&quarter={site['quarter']}"],
        "liaison": ["/issues/my-department/?section=in_progress"],
    }
    for username, paths in lists.items():
        context = _context(browser, DESK)
        page = context.new_page()
        world.sign_in(page, base, username)
        # Compact rows: one button beside the list, remembered on the user.
        page.goto(base + paths[0])
        toggle = page.locator(".density-toggle button")
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        page.wait_for_url(base + paths[0])
        assert page.locator(".density-toggle button").get_attribute("aria-pressed") == "true"
        assert User.objects.get(username=username).compact_lists
        for language in LANGUAGES:
            world.switch_language(page, language)
            for path in paths:
                page.goto(base + path)
                rows = page.evaluate(ROWS_ON_FIRST_SCREEN)
                assert rows >= 20, (username, language, path, rows)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_ledger_filters_fold_to_a_summary_and_headings_show_the_sort(site, page):
    base = site["base"]
    page.set_viewport_size(DESK)
    world.sign_in(page, base, "staff")
    world.switch_language(page, "en")
    page.goto(f"{base}/issues/")
    # Folded: one line saying that nothing filters the ledger.
    assert not page.locator("#ledger-filters").evaluate("d => d.open")
    assert "none" in page.locator("#ledger-filter-summary").inner_text()
    assert page.locator("th[aria-sort]").inner_text().startswith("Raised")
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    page.locator("#ledger-filters summary").click()
    page.locator("input[name=status][value=in_progress]").check()
    page.wait_for_url(lambda url: "status=in_progress" in url)
    page.locator("#ledger-filter-summary").filter(has_text="In progress").wait_for()
    assert page.locator("#ledger-filter-summary").inner_text() == "Status: In progress"
    # A sortable heading: the arrow turns, aria-sort follows.
    page.locator("th.col-deadline a").click()
    page.wait_for_url(lambda url: "sort=deadline" in url)
    page.locator("th.col-deadline[aria-sort=ascending]").wait_for()
    # A long title is cut to one line, whole in its title and in the text read aloud.
    page.goto(f"{base}/issues/?q=loading+bays")
    cell = page.locator("table.issue-table tbody tr td:nth-child(2)").first
    assert cell.evaluate("td => td.scrollWidth > td.clientWidth")
    assert cell.get_attribute("title") == cell.inner_text()


def _visible_in_width(locator, width: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


@pytest.mark.django_db(transaction=True)
def test_a_liaisons_pages_fit_a_phone(site, browser):
    base = site["base"]
    pending = (
        Assignment.objects.current()
        .filter(department__code="pnr", status=Assignment.Status.PENDING)
        .order_by("-pk")
        .first()
    )
    context = _context(browser, PHONE)
    page = context.new_page()
    world.sign_in(page, base, "liaison")
    for language in LANGUAGES:
        world.switch_language(page, language)
        for path in [
            "/",
            "/issues/my-department/?section=in_progress",
            f"/issues/{pending.issue_id}/",
            "/notifications/",
        ]:
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (language, path, width)
            if "my-department" in path:
                card = page.locator("table.issue-table tbody tr").first
                assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
                for column in (1, 2, 6, 7):  # reference, title, deadline, status
                    cell = card.locator(f"td:nth-child({column})")
                    assert cell.is_visible() and _visible_in_width(cell, PHONE["width"])
            if "/issues/" in path and "my-department" not in path:
                # The issue's actions: accepting or returning the assignment.
                accept = page.locator("#accept-button")
                assert accept.is_visible() and _visible_in_width(accept, PHONE["width"])
    context.close()
