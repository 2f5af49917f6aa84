"""The ledger page (/issues/): its filters, search, sorting and pages, as a user sees them.

Today is Tue 29 Sep 2026, between the Mid-Autumn Festival (Fri 25 to Sun 27 Sep off) and
National Day (1 to 7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up working days), by the
official calendar the tests seed (chinese-calendar).
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html

from issues import services
from issues.models import Issue
from issues.views_lists import PAGE_SIZE
from roundtable.meetings.models import Meeting, Roundtable
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


_as = factories.client_as


def _doc(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


LEDGER = '//table[contains(concat(" ", @class, " "), " ledger ")]'


def _titles(response) -> list[str]:
    """The titles of the ledger's rows, top to bottom."""
    cells = _doc(response).xpath(f"{LEDGER}/tbody/tr/td[2]/a")
    return [cell.text_content().strip() for cell in cells]


def _count(response) -> str:
    return _doc(response).get_element_by_id("ledger-count").text_content().strip()


def _selected(response, name) -> list[str]:
    return _doc(response).xpath(f'//select[@name="{name}"]/option[@selected]/@value')


def _value(response, name) -> str:
    [value] = _doc(response).xpath(f'//input[@name="{name}"]/@value')
    return value


def _header_link(response, label) -> str:
    [href] = _doc(response).xpath(f'{LEDGER}/thead//a[text()[1]="{label}"]/@href')
    return href


def _pager_link(response, label) -> str:
    [href] = _doc(response).xpath(f'//nav[@class="pager"]/a[normalize-space()="{label}"]/@href')
    return href


def _form_errors(response) -> str:
    [errors] = _doc(response).xpath('//div[@class="form-errors"]')
    return errors.text_content()


def _made(title, **fields):
    """An issue in a given state, made directly (the services cannot make a late one)."""
    if fields.get("status") == Issue.Status.CLOSED:
        fields.setdefault("closed_at", timezone.now())
    return factories.IssueFactory(title=title, **fields)


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def world(staff, liaison_a, dept_a, dept_b, dept_c, enterprise_1, enterprise_2, monitor):
    """Six issues logged through the services; returns the ids the filters are given."""
    enterprise_2.country = "JP"
    enterprise_2.save()
    land = factories.CategoryFactory(code="land", name_en="Land use")
    tax = factories.CategoryFactory(code="tax", name_en="Tax")
    roundtable = Roundtable.objects.create(
        name_zh="圆桌会议", jurisdiction="District", leading_department=dept_a
    )
    meeting = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Q3 roundtable",
        starts_at=datetime(2026, 8, 28, 1, 30, tzinfo=UTC),
    )

    def log(title, enterprise, category, source, **more):
        return services.issue_create(
            actor=staff,
            title=title,
            enterprise=enterprise,
            category=category,
            source=source,
            raised_on=date(2026, 9, 1),
            **more,
        )

    log(
        "Land for phase two",
        enterprise_1,
        land,
        Issue.Source.MEETING,
        meeting=meeting,
        monitor=monitor,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )
    log(
        "Customs clearance",
        enterprise_2,
        tax,
        Issue.Source.HOTLINE,
        lead_department=dept_b,
        co_departments=[dept_a],
        deadline=date(2026, 10, 16),
    )
    log(
        "Work visas",
        enterprise_1,
        tax,
        Issue.Source.WECHAT,
        lead_department=dept_c,
        deadline=date(2026, 10, 16),
    )
    # A returned it; it was reassigned to C: A's lead assignment is retired.
    returned = log(
        "Returned by A",
        enterprise_2,
        land,
        Issue.Source.HOTLINE,
        lead_department=dept_a,
        deadline=date(2026, 10, 16),
    )
    services.assignment_return(
        actor=liaison_a, assignment=returned.assignments.get(), reason="Not our remit"
    )
    services.issue_assign(
        actor=staff, issue=returned, lead_department=dept_c, deadline=date(2026, 10, 23)
    )
    # Reassigned with B co-handling in place of A: A's co-handling assignment is retired.
    dropped = log(
        "A no longer co-handles",
        enterprise_1,
        land,
        Issue.Source.EMAIL,
        lead_department=dept_c,
        co_departments=[dept_a],
        deadline=date(2026, 10, 16),
    )
    services.issue_assign(
        actor=staff,
        issue=dropped,
        lead_department=dept_c,
        co_departments=[dept_b],
        deadline=date(2026, 10, 16),
    )
    log(
        "Not yet assigned",
        enterprise_2,
        tax,
        Issue.Source.EMAIL,
        other_enterprises=[enterprise_1],
    )
    return {
        "A": dept_a.pk,
        "B": dept_b.pk,
        "C": dept_c.pk,
        "land": land.pk,
        "tax": tax.pk,
        "meeting": meeting.pk,
        "E1": enterprise_1.pk,
        "E2": enterprise_2.pk,
        "monitor": monitor.pk,
    }


ALL = {
    "Land for phase two",
    "Customs clearance",
    "Work visas",
    "Returned by A",
    "A no longer co-handles",
    "Not yet assigned",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ALL, id="unfiltered"),
        pytest.param("lead={A}", {"Land for phase two"}, id="lead-only-where-it-leads"),
        pytest.param(
            "lead={C}",
            {"Work visas", "Returned by A", "A no longer co-handles"},
            id="lead-after-reassignment",
        ),
        pytest.param(
            "department={A}",
            {"Land for phase two", "Customs clearance"},
            id="department-lead-or-co-not-retired",
        ),
        pytest.param(
            "department={B}",
            {"Land for phase two", "Customs clearance", "A no longer co-handles"},
            id="department-new-co-handler",
        ),
        pytest.param(
            "category={land}",
            {"Land for phase two", "Returned by A", "A no longer co-handles"},
            id="category",
        ),
        pytest.param("source=hotline", {"Customs clearance", "Returned by A"}, id="source"),
        pytest.param("meeting={meeting}", {"Land for phase two"}, id="meeting"),
        pytest.param(
            "enterprise={E1}",
            {"Land for phase two", "Work visas", "A no longer co-handles", "Not yet assigned"},
            id="enterprise-raised-or-also-concerned",
        ),
        pytest.param(
            "enterprise={E2}",
            {"Customs clearance", "Returned by A", "Not yet assigned"},
            id="enterprise-2",
        ),
        pytest.param(
            "country=JP",
            {"Customs clearance", "Returned by A", "Not yet assigned"},
            id="country-of-the-raising-enterprise",
        ),
        pytest.param("monitor={monitor}", {"Land for phase two"}, id="monitor"),
        pytest.param("lead={C}&category={tax}&source=wechat", {"Work visas"}, id="filters-combine"),
        pytest.param("department={A}&source=email", set(), id="nothing-matches-all"),
    ],
)
def test_each_filter_lists_exactly_its_issues(world, staff, query, expected):
    response = _as(staff).get("/issues/?" + query.format(**world))
    titles = _titles(response)
    assert sorted(titles) == sorted(expected)
    count = len(expected)
    assert _count(response) == (f"{count} issue" if count == 1 else f"{count} issues")


def test_status_filter_takes_several_values(staff):
    for status in Issue.Status.values:
        _made(f"Issue {status}", status=status)
    client = _as(staff)

    several = client.get("/issues/?status=logged&status=in_progress&status=closed")
    assert sorted(_titles(several)) == ["Issue closed", "Issue in_progress", "Issue logged"]
    assert _count(several) == "3 issues"
    assert _titles(client.get("/issues/?status=returned")) == ["Issue returned"]


def test_overdue_lists_issues_past_their_deadline_and_not_concluded(staff):
    yesterday = date(2026, 9, 28)
    _made("Late, in progress", status="in_progress", deadline=yesterday)
    _made("Late, returned", status="returned", deadline=date(2026, 9, 1))
    _made("Late but concluded", status="concluded", deadline=yesterday)
    _made("Late but closed", status="closed", deadline=yesterday)
    _made("Due today", status="in_progress", deadline=date(2026, 9, 29))
    _made("No deadline", status="logged")

    response = _as(staff).get("/issues/?overdue=on")
    assert sorted(_titles(response)) == ["Late, in progress", "Late, returned"]
    assert _count(response) == "2 issues"
    badges = _doc(response).xpath('//tbody/tr/td/span[contains(@class, "badge-danger")]')
    assert [badge.text_content() for badge in badges] == ["overdue", "overdue"]


# Deadlines on each day from Thu 24 Sep to Tue 13 Oct 2026.
DEADLINES = [date(2026, 9, 24) + timedelta(days=n) for n in range(20)]


@pytest.mark.parametrize(
    ("today", "within", "until"),
    [
        pytest.param(date(2026, 9, 29), 0, date(2026, 9, 29), id="0-on-a-working-day-is-today"),
        pytest.param(date(2026, 9, 29), 1, date(2026, 9, 30), id="1-before-the-holiday"),
        pytest.param(date(2026, 9, 29), 2, date(2026, 10, 8), id="skips-national-day"),
        pytest.param(date(2026, 9, 29), 3, date(2026, 10, 9), id="3-across-national-day"),
        pytest.param(date(2026, 9, 29), 4, date(2026, 10, 10), id="make-up-saturday-counts"),
        pytest.param(date(2026, 10, 3), 0, date(2026, 10, 8), id="0-on-a-holiday"),
        pytest.param(date(2026, 10, 9), 1, date(2026, 10, 10), id="friday-to-make-up-saturday"),
        pytest.param(date(2026, 10, 10), 1, date(2026, 10, 12), id="from-make-up-saturday"),
        pytest.param(date(2026, 9, 25), 1, date(2026, 9, 28), id="skips-mid-autumn"),
    ],
)
def test_due_within_counts_working_days_by_the_official_calendar(staff, today, within, until):
    for deadline in DEADLINES:
        _made(deadline.isoformat(), status="in_progress", deadline=deadline)
    _made("Concluded, due in the window", status="concluded", deadline=today)
    _made("Closed, due in the window", status="closed", deadline=today)

    with time_machine.travel(f"{today.isoformat()} 10:00 +0800", tick=False):
        response = _as(staff).get(f"/issues/?due_within={within}")
    expected = [d.isoformat() for d in DEADLINES if today <= d <= until]
    assert sorted(_titles(response)) == expected
    assert _value(response, "due_within") == str(within)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "raised_from=2026-09-01&raised_to=2026-09-15",
            ["2026-09-01", "2026-09-15"],
            id="both-ends-inclusive",
        ),
        pytest.param("raised_from=2026-09-15", ["2026-09-15", "2026-09-28"], id="from-only"),
        pytest.param("raised_to=2026-09-01", ["2026-08-31", "2026-09-01"], id="to-only"),
        pytest.param("raised_from=2026-09-16&raised_to=2026-09-27", [], id="none-between"),
    ],
)
def test_raised_between_dates(staff, query, expected):
    for raised in ("2026-08-31", "2026-09-01", "2026-09-15", "2026-09-28"):
        _made(raised, raised_on=date.fromisoformat(raised))
    response = _as(staff).get(f"/issues/?{query}")
    assert sorted(_titles(response)) == expected


def test_a_liaison_sees_only_their_departments_issues_whatever_the_filter(
    staff, liaison_a, dept_a, dept_b, dept_c
):
    ours = _made("Ours, A leads")
    factories.AssignmentFactory(issue=ours, department=dept_a, role="lead")
    factories.AssignmentFactory(issue=ours, department=dept_b, role="co")
    shared = _made("C leads, A co-handles")
    factories.AssignmentFactory(issue=shared, department=dept_c, role="lead")
    factories.AssignmentFactory(issue=shared, department=dept_a, role="co")
    theirs = _made("C only")
    factories.AssignmentFactory(issue=theirs, department=dept_c, role="lead")
    client = _as(liaison_a)

    assert sorted(_titles(client.get("/issues/"))) == ["C leads, A co-handles", "Ours, A leads"]
    for query in (f"department={dept_c.pk}", f"lead={dept_c.pk}"):
        response = client.get(f"/issues/?{query}")
        assert _titles(response) == ["C leads, A co-handles"], query
        assert _count(response) == "1 issue"
    assert _titles(client.get(f"/issues/?department={dept_b.pk}")) == ["Ours, A leads"]
    hidden = client.get("/issues/?q=C+only")
    assert _titles(hidden) == [] and _count(hidden) == "0 issues"
    # Commerce staff, for comparison, see C's own issue under the same filter.
    assert len(_titles(_as(staff).get(f"/issues/?lead={dept_c.pk}"))) == 2


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def searchable(staff, enterprise_1, enterprise_2):
    def log(title, description, enterprise):
        return services.issue_create(
            actor=staff,
            title=title,
            description=description,
            enterprise=enterprise,
            category=factories.CategoryFactory(),
            source=Issue.Source.HOTLINE,
            raised_on=date(2026, 9, 1),
        )

    return {
        "land": log("项目用地审批", "Phase 2 of the Plant", enterprise_1),
        "water": log("Water supply 用水", "The plant needs more water", enterprise_2),
        "temporary": log("临时用地 permit", "Warehouse", enterprise_1),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("用地", ["临时用地 permit", "项目用地审批"], id="two-chinese-characters"),
        pytest.param("PLANT", ["Water supply 用水", "项目用地审批"], id="english-any-case"),
        pytest.param("第二企业", ["Water supply 用水"], id="enterprise-chinese-name"),
        pytest.param("enterprise two", ["Water supply 用水"], id="enterprise-english-name"),
        pytest.param("用地 plant", ["项目用地审批"], id="words-narrow"),
        pytest.param("  用地   WAREHOUSE ", ["临时用地 permit"], id="spaces-ignored"),
    ],
)
def test_search_finds_words_in_titles_descriptions_and_enterprise_names(
    searchable, staff, q, expected
):
    response = _as(staff).get("/issues/", {"q": q})
    assert sorted(_titles(response)) == expected
    assert _value(response, "q") == q


def test_search_finds_an_issue_by_its_reference(searchable, staff):
    reference = searchable["water"].reference
    response = _as(staff).get("/issues/", {"q": reference})
    assert _titles(response) == ["Water supply 用水"]
    [link] = _doc(response).xpath("//tbody/tr/td[1]/a")
    assert link.text_content() == reference


def test_a_search_without_match_shows_the_empty_row(searchable, staff):
    response = _as(staff).get("/issues/", {"q": "用地 nothing-like-this"})
    assert _titles(response) == []
    assert _count(response) == "0 issues"
    [row] = _doc(response).xpath(f"{LEDGER}/tbody/tr")
    assert row.text_content().strip() == "No issues match."


# --- Sorting ------------------------------------------------------------------------------


@pytest.fixture
def sortable():
    """Four hotline issues whose order differs by every column, and one WeChat issue."""
    rows = [
        # title, year, number, deadline, status, raised
        ("Bravo", 2026, 1, date(2026, 10, 30), "assigned", date(2026, 9, 10)),
        ("Charlie", 2025, 7, date(2026, 10, 12), "logged", date(2026, 9, 20)),
        ("Alpha", 2026, 3, date(2026, 10, 20), "closed", date(2026, 9, 1)),
        ("Delta", 2026, 2, date(2026, 10, 9), "in_progress", date(2026, 8, 3)),
    ]
    for title, year, sequence, deadline, status, raised in rows:
        _made(
            title,
            year=year,
            sequence=sequence,
            deadline=deadline,
            status=status,
            raised_on=raised,
            source=Issue.Source.HOTLINE,
        )
    _made("Not from the hotline", source=Issue.Source.WECHAT, raised_on=date(2026, 9, 5))


@pytest.mark.parametrize(
    ("label", "key", "ascending"),
    [
        # RT-2025-00007 first: by year, then number.
        ("Reference", "reference", ["Charlie", "Bravo", "Delta", "Alpha"]),
        ("Title", "title", ["Alpha", "Bravo", "Charlie", "Delta"]),
        ("Deadline", "deadline", ["Delta", "Charlie", "Alpha", "Bravo"]),
        # The order an issue moves through: logged, assigned, in progress, closed (not
        # the codes' alphabetical order, which means nothing in Chinese).
        ("Status", "status", ["Charlie", "Bravo", "Delta", "Alpha"]),
    ],
)
def test_a_column_link_sorts_and_toggles_direction_keeping_the_filter(
    sortable, staff, label, key, ascending
):
    client = _as(staff)
    start = client.get("/issues/?source=hotline")
    href = _header_link(start, label)
    assert parse_qs(href[1:]) == {"source": ["hotline"], "sort": [key]}

    up = client.get(f"/issues/{href}")
    assert _titles(up) == ascending
    href = _header_link(up, label)
    assert parse_qs(href[1:]) == {"source": ["hotline"], "sort": [f"-{key}"]}

    down = client.get(f"/issues/{href}")
    assert _titles(down) == ascending[::-1]
    assert parse_qs(_header_link(down, label)[1:])["sort"] == [key]


def test_newest_raised_first_by_default_and_the_raised_link_reverses_it(sortable, staff):
    client = _as(staff)
    newest_first = ["Charlie", "Bravo", "Alpha", "Delta"]
    start = client.get("/issues/?source=hotline")
    assert _titles(start) == newest_first
    href = _header_link(start, "Raised")
    assert parse_qs(href[1:]) == {"source": ["hotline"], "sort": ["raised"]}

    oldest_first = client.get(f"/issues/{href}")
    assert _titles(oldest_first) == newest_first[::-1]
    href = _header_link(oldest_first, "Raised")
    assert parse_qs(href[1:])["sort"] == ["-raised"]
    assert _titles(client.get(f"/issues/{href}")) == newest_first


def test_a_sort_link_drops_the_page_number(sortable, staff):
    href = _header_link(_as(staff).get("/issues/?source=hotline&page=2&sort=title"), "Title")
    assert parse_qs(href[1:]) == {"source": ["hotline"], "sort": ["-title"]}


# --- Pages --------------------------------------------------------------------------------


def test_pages_of_fifty_keep_the_filter_and_sort(staff):
    matching = [f"Issue {n:03d}" for n in range(PAGE_SIZE + 5)]
    for title in matching:
        _made(title, status="in_progress")
    for n in range(5):
        _made(f"Logged {n}", status="logged")
    client = _as(staff)

    first = client.get("/issues/?status=in_progress&sort=title")
    assert _titles(first) == matching[:PAGE_SIZE]
    assert _count(first) == f"{PAGE_SIZE + 5} issues"
    assert "Page 1 of 2" in _doc(first).xpath('//nav[@class="pager"]')[0].text_content()
    href = _pager_link(first, "Next")
    assert parse_qs(href[1:]) == {"status": ["in_progress"], "sort": ["title"], "page": ["2"]}
    assert not _doc(first).xpath('//nav[@class="pager"]/a[normalize-space()="Previous"]')

    second = client.get(f"/issues/{href}")
    assert _titles(second) == matching[PAGE_SIZE:]
    assert _count(second) == f"{PAGE_SIZE + 5} issues"
    back = _pager_link(second, "Previous")
    assert parse_qs(back[1:]) == {"status": ["in_progress"], "sort": ["title"], "page": ["1"]}
    assert _titles(client.get(f"/issues/{back}")) == matching[:PAGE_SIZE]


def test_one_page_has_no_pager(staff):
    _made("Only one")
    assert not _doc(_as(staff).get("/issues/")).xpath('//nav[@class="pager"]')


# --- The filter in the URL ----------------------------------------------------------------


def test_the_form_shows_the_filter_that_was_asked(staff, dept_a, dept_b, enterprise_2):
    enterprise_2.country = "JP"
    enterprise_2.save()
    category = factories.CategoryFactory(code="land", name_en="Land use")
    query = (
        f"q=用地+permit&lead={dept_a.pk}&department={dept_b.pk}&category={category.pk}"
        "&source=hotline&country=JP&status=assigned&status=in_progress&overdue=on"
        "&due_within=5&raised_from=2026-09-01&raised_to=2026-09-30&meeting=7&sort=title"
    )
    response = _as(staff).get(f"/issues/?{query}")
    doc = _doc(response)
    assert _value(response, "q") == "用地 permit"
    assert _selected(response, "lead") == [str(dept_a.pk)]
    assert _selected(response, "department") == [str(dept_b.pk)]
    assert _selected(response, "category") == [str(category.pk)]
    assert _selected(response, "source") == ["hotline"]
    assert _selected(response, "country") == ["JP"]
    assert doc.xpath('//input[@name="status"][@checked]/@value') == ["assigned", "in_progress"]
    assert doc.xpath('//input[@name="overdue"]/@checked')
    assert _value(response, "due_within") == "5"
    assert _value(response, "raised_from") == "2026-09-01"
    assert _value(response, "raised_to") == "2026-09-30"
    # Filters the form does not show (set from the dashboard) survive pressing Filter.
    assert _value(response, "meeting") == "7"
    assert _value(response, "sort") == "title"
    assert not doc.xpath('//div[@class="form-errors"]')


def test_an_unfiltered_form_selects_nothing(staff, dept_a):
    response = _as(staff).get("/issues/")
    doc = _doc(response)
    assert _selected(response, "lead") == [""]  # the empty choice, as Django's own select
    assert not doc.xpath('//input[@name="status"][@checked]')
    assert not doc.xpath('//input[@name="sort"]')


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("due_within=abc", "Enter a whole number."),
        ("due_within=61", "Ensure this value is less than or equal to 60."),
        ("due_within=-1", "Ensure this value is greater than or equal to 0."),
        ("lead=999999", "Select a valid choice."),
        ("department=999999", "Select a valid choice."),
        ("department=abc", "Select a valid choice."),
        ("lead=99999999999999999999", "Select a valid choice."),
        ("category=999999", "Select a valid choice."),
        ("raised_from=2026-02-30", "Enter a valid date."),
        ("status=bogus", "Select a valid choice."),
        ("country=XX", "Select a valid choice."),
        ("meeting=0", "Ensure this value is greater than or equal to 1."),
        ("q=" + "x" * 101, "Ensure this value has at most 100 characters"),
        ("q=one two three four five six", "Search with at most 5 words"),
    ],
)
def test_an_invalid_filter_shows_a_form_error_not_a_server_error(issue_x, staff, query, message):
    client = _as(staff)
    response = client.get(f"/issues/?{query}")
    assert response.status_code == 200
    assert message in _form_errors(response)
    # Nothing is listed or exported that would look like the filter's answer.
    assert _titles(response) == []
    assert _count(response).startswith("0 ")
    for export in ("/issues/export.csv", "/issues/export.xlsx"):
        refused = client.get(f"{export}?{query}")
        assert refused.status_code == 400
        assert b"correct it on the ledger page" in refused.content
    name, _sep, typed = query.partition("=")
    if name in ("due_within", "raised_from", "q"):
        assert _value(response, name) == typed  # what was typed is kept to correct


@pytest.mark.parametrize("name", ["meeting", "enterprise", "monitor", "special_study"])
def test_an_id_too_large_for_the_database_lists_nothing_rather_than_failing(issue_x, staff, name):
    # PostgreSQL finds no such row; SQLite cannot even bind the number. Either a form error
    # or an empty list is what a user should see, never a server error.
    response = _as(staff).get(f"/issues/?{name}=99999999999999999999")
    assert response.status_code == 200
    doc = _doc(response)
    assert doc.xpath('//div[@class="form-errors"]') or _titles(response) == []


# --- Query count --------------------------------------------------------------------------


def _bulk(n, *, lead, co, enterprise, category, monitor):
    for _ in range(n):
        issue = factories.IssueFactory(
            enterprise=enterprise,
            category=category,
            monitor=monitor,
            status="in_progress",
            deadline=date(2026, 10, 9),
        )
        factories.AssignmentFactory(issue=issue, department=lead, role="lead")
        factories.AssignmentFactory(issue=issue, department=co, role="co")


@pytest.mark.parametrize(
    ("persona", "query"),
    [
        ("staff", ""),
        ("staff", "department={A}"),
        ("staff", "lead={A}&status=in_progress&sort=deadline"),
        ("liaison_a", ""),
        ("liaison_a", "department={A}"),
    ],
)
def test_the_ledger_runs_as_many_queries_for_sixty_issues_as_for_three(
    request, dept_a, dept_b, enterprise_1, monitor, persona, query
):
    client = _as(request.getfixturevalue(persona))
    url = "/issues/?" + query.format(A=dept_a.pk)
    made = {
        "lead": dept_a,
        "co": dept_b,
        "enterprise": enterprise_1,
        "category": factories.CategoryFactory(),
        "monitor": monitor,
    }
    _bulk(3, **made)
    client.get(url)  # the working-day calendar is read once per process, then cached
    with CaptureQueriesContext(connection) as three:
        assert len(_titles(client.get(url))) == 3
    _bulk(57, **made)
    with CaptureQueriesContext(connection) as sixty:
        assert len(_titles(client.get(url))) == PAGE_SIZE
    assert len(sixty.captured_queries) == len(three.captured_queries), [
        q["sql"] for q in sixty.captured_queries
    ]


# --- htmx: the results alone ---------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ledger-results"}


def test_a_changed_filter_asked_by_htmx_gets_the_results_and_what_follows_the_filter(world, staff):
    response = _as(staff).get(f"/issues/?category={world['tax']}&sort=title", **HTMX)
    body = response.content.decode()
    assert "<html" not in body and 'name="q"' not in body  # not the page, not the form
    assert _titles(response) == ["Customs clearance", "Not yet assigned", "Work visas"]
    doc = _doc(response)
    # Beside the results, swapped into the page by id: the export links of the same filter,
    # the sort the filter form keeps, and the (empty) error box.
    [exports] = doc.xpath('//*[@id="ledger-exports"][@hx-swap-oob="true"]')
    for href in exports.xpath(".//a/@href"):
        assert parse_qs(href.split("?", 1)[1]) == {
            "category": [str(world["tax"])],
            "sort": ["title"],
        }
    assert doc.xpath('//*[@id="ledger-sort"][@hx-swap-oob="true"]/input[@name="sort"]/@value') == [
        "title"
    ]
    assert doc.xpath('//*[@id="ledger-filter-errors"][@hx-swap-oob="true"]')
    # One address, two answers: caches must tell them apart.
    assert "HX-Request" in response["Vary"]


def test_an_invalid_filter_asked_by_htmx_shows_its_error_beside_the_empty_results(issue_x, staff):
    response = _as(staff).get("/issues/?raised_from=2026-02-30", **HTMX)
    doc = _doc(response)
    [errors] = doc.xpath('//*[@id="ledger-filter-errors"][@hx-swap-oob="true"]')
    assert "Enter a valid date." in errors.text_content()
    assert _titles(response) == []


def test_the_ledger_page_has_the_targets_htmx_swaps_and_works_as_a_plain_form(world, staff):
    response = _as(staff).get("/issues/?sort=title")
    doc = _doc(response)
    [form] = doc.xpath('//form[contains(@class, "filters")]')
    assert form.get("method") == "get" and form.get("action") == "/issues/"
    assert form.get("hx-get") == "/issues/" and form.get("hx-push-url") == "true"
    assert form.get("hx-target") == "#ledger-results"
    for target in ("ledger-results", "ledger-exports", "ledger-sort", "ledger-filter-errors"):
        assert doc.xpath(f'//*[@id="{target}"]'), target
    # Sorting and paging are boosted; the rows' links to the issues are plain links.
    assert doc.xpath(f"{LEDGER}/thead/tr/@hx-boost") == ["true"]
    assert not doc.xpath(f"{LEDGER}/tbody//*[@hx-boost]")


def test_a_history_restore_or_another_target_gets_the_whole_page(world, staff):
    client = _as(staff)
    restore = client.get("/issues/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    boosted_elsewhere = client.get("/issues/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
    for response in (restore, boosted_elsewhere):
        assert b"<html" in response.content and b'name="q"' in response.content


@pytest.mark.parametrize(
    "query", ["", "department={A}", "lead={A}&status=in_progress&sort=deadline"]
)
def test_the_results_alone_run_no_more_queries_than_the_page(
    staff, dept_a, dept_b, enterprise_1, monitor, query
):
    client = _as(staff)
    url = "/issues/?" + query.format(A=dept_a.pk)
    made = {
        "lead": dept_a,
        "co": dept_b,
        "enterprise": enterprise_1,
        "category": factories.CategoryFactory(),
        "monitor": monitor,
    }
    _bulk(60, **made)
    client.get(url)  # the working-day calendar is read once per process, then cached
    with CaptureQueriesContext(connection) as page:
        assert len(_titles(client.get(url))) == PAGE_SIZE
    with CaptureQueriesContext(connection) as results:
        assert len(_titles(client.get(url, **HTMX))) == PAGE_SIZE
    # Every query of the results is one the page runs too; the page's others are its header
    # (the unread notifications) and the filter form's choices.
    page_sql = Counter(q["sql"] for q in page.captured_queries)
    results_sql = Counter(q["sql"] for q in results.captured_queries)
    assert results_sql - page_sql == Counter(), list(results_sql - page_sql)
