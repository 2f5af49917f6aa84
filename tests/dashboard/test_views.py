"""The dashboards through the client: who may open them, what they show, and that every figure
opens the ledger on exactly the issues it counts."""

import io
import re
from html import unescape
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from issues import services
from issues.models import Issue
from roundtable.dashboard import kpis, reports
from roundtable.lib import ledger_version
from tests import factories
from tests.dashboard import world

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)"')


@pytest.fixture
def frozen():
    with time_machine.travel(world.NOW, tick=False):
        yield


@pytest.fixture
def w(frozen, dept_a, dept_b, staff):
    return world.build(dept_a, dept_b, staff)


def figure_links(html: str) -> list[tuple[str, int]]:
    return [(unescape(href), int(count)) for href, count in LINK.findall(html)]


def shown(response, name):
    """A context value of the dashboard: rows are built lazily, when the page's cached
    fragment needs them."""
    value = response.context[name]
    return value() if callable(value) else value


def ledger_count(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    return response.context["page"].paginator.count


# --- Who may open what --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["overview", "report", "report_xlsx"])
def test_liaisons_and_heads_cannot_open_the_district_dashboard(client, personas, name):
    for persona in ("LA", "LB", "LC", "HA", "Mo", "Ad"):
        client.force_login(personas[persona])
        assert client.get(f"/dashboard/{_path(name)}").status_code == 403, persona


@pytest.mark.parametrize("name", ["overview", "report", "report_xlsx"])
def test_the_chair_and_commerce_staff_can(client, personas, name):
    for persona in ("Ch", "St"):
        client.force_login(personas[persona])
        assert client.get(f"/dashboard/{_path(name)}").status_code == 200, persona


def _path(name):
    return {"overview": "", "report": "report/", "report_xlsx": "report.xlsx"}[name]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/dashboard/", "/dashboard/department/", "/dashboard/report/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_liaison_sees_their_own_department_and_not_the_districts_figures(
    client, w, liaison_a, staff
):
    client.force_login(liaison_a)
    response = client.get("/dashboard/department/?period=2026Q3")
    assert response.status_code == 200
    assert response.context["department"] == w.dept_a
    rows = {row["department"]["key"]: row for row in response.context["rows"]}
    assert rows["raised"]["department"]["count"]["value"] == 6
    assert rows["on_time_rate"]["department"]["display"] == "100%"
    # The district's figures count other departments' issues, outside the liaison's scope
    # (issue 12): only readers of the whole ledger get them, linked to it.
    assert all(row["district"] is None for row in rows.values())
    client.force_login(staff)
    response = client.get(f"/dashboard/department/?period=2026Q3&department={w.dept_a.pk}")
    rows = {row["department"]["key"]: row for row in response.context["rows"]}
    assert rows["raised"]["district"]["count"]["value"] == 10
    assert rows["raised"]["district"]["count"]["href"].startswith("/issues/?")


def test_a_liaison_cannot_open_another_departments_dashboard(client, w, liaison_a, liaison_c):
    client.force_login(liaison_a)
    assert client.get(f"/dashboard/department/?department={w.dept_b.pk}").status_code == 403
    client.force_login(liaison_c)
    response = client.get("/dashboard/department/")
    assert response.context["department"].code == "dept-c"


def test_the_monitor_and_the_administrator_have_no_department_dashboard(
    client, monitor, admin_user
):
    for user in (monitor, admin_user):
        client.force_login(user)
        assert client.get("/dashboard/department/").status_code == 403


def test_the_chair_can_open_any_departments_dashboard(client, w, chair):
    client.force_login(chair)
    response = client.get(f"/dashboard/department/?department={w.dept_b.pk}&period=2026Q3")
    assert response.status_code == 200
    assert response.context["department"] == w.dept_b
    assert client.get("/dashboard/department/?department=999999").status_code == 404
    assert client.get("/dashboard/department/?department=x").status_code == 400


# --- Figures and their links --------------------------------------------------------------


def test_every_figure_on_the_dashboard_opens_the_ledger_with_as_many_issues(client, w, chair):
    client.force_login(chair)
    # Every column of the department table too, not only its key ones.
    every = "".join(f"&cols={key}" for key in reports.LEAGUE_SORTS if key != "name")
    response = client.get(f"/dashboard/?period=2026Q3{every}")
    assert response.status_code == 200
    links = figure_links(response.content.decode())
    assert len(links) > 100
    # Every part of the page: summary, trend, league, breakdowns, lists.
    for part in ("lead=", "category=", "country=", "industry=", "source=", "on_time=1",
                 "response=due", "rated_from=", "reopened_from=", "escalated=1",
                 "instruction_pending=1", "overdue=1", "raised_from=2025-01-01"):  # fmt: skip
        assert any(part in href for href, _count in links), part
    checked = {}
    for href, count in links:
        assert href.startswith("/issues/?"), href
        if href not in checked:
            checked[href] = ledger_count(client, href)
        assert checked[href] == count, href


def test_every_figure_of_the_quarterly_report_page_opens_the_ledger_with_as_many(client, w, staff):
    client.force_login(staff)
    html = client.get("/dashboard/report/?period=2026Q3").content.decode()
    checked = {}
    for href, count in figure_links(html):
        if href not in checked:
            checked[href] = ledger_count(client, href)
        assert checked[href] == count, href


def test_a_liaisons_department_figures_open_their_ledger_with_as_many(client, w, liaison_b):
    client.force_login(liaison_b)
    html = client.get("/dashboard/department/?period=2026Q3").content.decode()
    links = figure_links(html)
    assert len(links) >= 12
    for href, count in links:
        assert f"lead={w.dept_b.pk}" in href, href
        assert ledger_count(client, href) == count, href


def test_the_summary_shows_the_change_against_the_previous_quarter(client, w, chair):
    client.force_login(chair)
    response = client.get("/dashboard/?period=2026Q3")
    summary = {cell["key"]: cell for cell in shown(response, "summary")}
    assert summary["raised"]["display"] == "10"
    assert summary["raised"]["previous"] == "2"
    assert summary["raised"]["change"] == "+8"
    assert summary["median_days"]["display"] == "12.5"
    assert summary["median_days"]["change"] == "−27.5"
    assert summary["on_time_rate"]["change"] == "−25 pts"
    assert summary["open"]["change"] == ""  # a figure of today, not of the quarter
    assert summary["satisfaction_rate"]["change"] == ""  # nothing rated in Q2


def test_the_league_table_sorts_by_any_figure(client, w, chair):
    client.force_login(chair)
    names = lambda r: [row["code"] for row in shown(r, "league")]  # noqa: E731
    assert names(client.get("/dashboard/?period=2026Q3&sort=-raised"))[:2] == ["dept-a", "dept-b"]
    assert names(client.get("/dashboard/?period=2026Q3&sort=raised"))[:2] == ["dept-b", "dept-a"]
    # Rates: B accepted 2 of 3 in time, A 3 of 6.
    ranked = names(client.get("/dashboard/?period=2026Q3&sort=-response_rate"))
    assert ranked[:2] == ["dept-b", "dept-a"]
    # Anything else sorts by name rather than failing.
    assert client.get("/dashboard/?sort=drop table").status_code == 200


def test_the_quarter_switcher_and_a_malformed_period(client, w, chair):
    client.force_login(chair)
    response = client.get("/dashboard/")
    assert response.context["period"].key == "2026Q4"
    assert response.context["next_period"] is None
    response = client.get("/dashboard/?period=2026Q3")
    assert response.context["period"].key == "2026Q3"
    assert response.context["next_period"].key == "2026Q4"
    response = client.get("/dashboard/?period=<script>")
    assert response.status_code == 200
    assert response.context["period"].key == "2026Q4"
    assert b"<script>" not in response.content


def test_lists_of_overdue_escalated_and_instructed_issues(client, w, chair):
    client.force_login(chair)
    lists = shown(client.get("/dashboard/?period=2026Q3"), "lists")
    assert [row["reference"] for row in lists["overdue"]] == [
        w.issues[n].reference for n in ("I4", "I10", "I7")
    ]
    # I4 was due Mon 10 August: 44 working days late on 15 October (25 September and 1–7
    # October off, Sundays 20 September and Saturday 10 October worked).
    assert lists["overdue"][0]["working_days_late"] == 44
    assert [row["reference"] for row in lists["escalated"]] == [w.issues["I10"].reference]
    assert [row["reference"] for row in lists["instructions"]] == [w.issues["I10"].reference]


def test_charts_are_svg_with_text_alternatives_and_escaped_labels(client, w, chair):
    w.category.name_en = '<script>alert(1)</script>"'
    w.category.save()
    client.force_login(chair)
    html = client.get("/dashboard/?period=2026Q3").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    # Its bars are links to the ledger: a group, not an image whose content would be hidden.
    assert 'role="group" aria-labelledby="trend-title trend-desc"' in html
    assert '<title id="trend-title">' in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- The quarterly workbook ---------------------------------------------------------------


def test_the_quarterly_workbook(client, w, staff):
    title = '=HYPERLINK("http://x")'
    Issue.objects.filter(pk=w.issues["I1"].pk).update(title=title)
    client.force_login(staff)
    response = client.get("/dashboard/report.xlsx?period=2026Q3")
    assert response.status_code == 200
    assert "roundtable-report-2026Q3.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Departments", "Breakdowns", "Trend", "Ledger"]
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["Issues raised"][:3] == (10, 2, 8)
    assert summary["Concluded on time (%)"][0] == 75.0
    assert summary["Median working days to conclusion"][0] == 12.5
    # Who gave the quarter's ratings: I3 and I5 the enterprise, I1 and I9 staff.
    assert summary["Satisfaction rate (%)"][3] == (
        "3 / 4 (rated by the enterprise: 2, recorded by staff: 2)"
    )
    departments = {row[0]: row for row in book["Departments"].iter_rows(values_only=True)}
    assert departments["Department A"][1] == 6
    assert departments["District (all issues)"][1] == 10
    # The quarter's ledger: raised or concluded in it (I1–I8, I10, I11, and I9 concluded).
    ledger = list(book["Ledger"].iter_rows(values_only=True))
    assert len(ledger) - 1 == 11
    cell = next(c for row in book["Ledger"].iter_rows() for c in row if c.value == title)
    assert cell.data_type == "s"  # text, never a formula
    # Headings in bold, dates as dates, the ledger's header kept in view.
    assert book["Summary"]["A1"].font.b and not book["Summary"]["A2"].font.b
    assert book["Summary"]["B2"].is_date
    assert book["Summary"]["B2"].value.date() == kpis.quarter(2026, 3).start
    assert book["Departments"]["A1"].font.b
    assert book["Ledger"].freeze_panes == "A2" and book["Ledger"]["A1"].font.b


def test_the_workbooks_changes_are_signed_numbers_a_spreadsheet_computes_with(client, w, staff):
    client.force_login(staff)
    response = client.get("/dashboard/report.xlsx?period=2026Q3")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Summary"]
    change = {row[0].value: row[3] for row in sheet.iter_rows(min_row=6) if row[0].value}
    # As the dashboard shows them: +8, −27.5 working days, −25 pts; nothing for a figure of
    # today or one not computed in the previous quarter.
    assert (change["Issues raised"].value, change["Issues raised"].data_type) == (8, "n")
    assert change["Issues raised"].number_format == '+0;-0;"±"0'
    assert change["Median working days to conclusion"].value == -27.5
    assert change["Median working days to conclusion"].number_format == '+0.0;-0.0;"±"0.0'
    assert change["Concluded on time (%)"].value == -25.0
    assert change["Concluded on time (%)"].number_format == '+0.0" pts";-0.0" pts";"±"0.0" pts"'
    assert change["Open now"].value is None
    assert change["Satisfaction rate (%)"].value is None


def test_the_workbook_follows_the_readers_language(client, w, staff):
    staff.preferred_language = "zh-hans"
    staff.save()
    client.force_login(staff)
    response = client.get("/dashboard/report.xlsx?period=2026Q3", HTTP_ACCEPT_LANGUAGE="zh-hans")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    departments = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "甲局" in departments and "Department A" not in departments
    formats = {row[3].number_format for row in book.worksheets[0].iter_rows(min_row=6)}
    assert '+0.0" 个百分点";-0.0" 个百分点";"±"0.0" 个百分点"' in formats


# --- Recurring problems -------------------------------------------------------------------


def test_alike_open_issues_of_different_enterprises_form_a_group(client, frozen, staff):
    customs = factories.CategoryFactory(code="customs", name_en="Customs")
    other = factories.CategoryFactory(code="tax", name_en="Tax")
    e1, e2, e3 = (factories.EnterpriseFactory() for _ in range(3))
    a = factories.IssueFactory(title="进口零部件通关时间过长", category=customs, enterprise=e1)
    b = factories.IssueFactory(title="进口零部件通关时间太长", category=customs, enterprise=e2)
    # Same title, another category: not in the group. Same enterprise twice: one enterprise.
    factories.IssueFactory(title="进口零部件通关时间过长", category=other, enterprise=e3)
    factories.IssueFactory(title="Warehouse lease renewal", category=customs, enterprise=e3)
    client.force_login(staff)
    response = client.get("/dashboard/")
    groups = shown(response, "recurring")
    assert len(groups) == 1
    group = groups[0]
    assert (group["enterprise_count"], group["issue_count"]) == (2, 2)
    assert group["study_url"] == f"/issues/studies/new/?issue={b.pk}&issue={a.pk}"
    study_form = client.get(group["study_url"])
    assert study_form.status_code == 200
    assert {i.pk for i in study_form.context["form"].fields["issues"].queryset} == {a.pk, b.pk}


def test_one_enterprises_repeated_issue_is_not_a_recurring_problem(client, frozen, chair):
    customs = factories.CategoryFactory(code="customs")
    e1 = factories.EnterpriseFactory()
    for _ in range(3):
        factories.IssueFactory(title="进口零部件通关时间过长", category=customs, enterprise=e1)
    client.force_login(chair)
    response = client.get("/dashboard/")
    assert shown(response, "recurring") == []
    assert b"Start a special study" not in response.content


def test_bigram_similarity():
    from roundtable.dashboard import recurring

    assert recurring.similarity("进口零部件通关时间过长", "进口零部件通关时间太长") >= 0.6
    assert recurring.similarity("Land-use permit delayed", "land use permit is delayed") > 0.6
    assert recurring.similarity("进口零部件通关", "外籍高管工作许可") == 0
    assert recurring.similarity("", "x") == 0


# --- Cache --------------------------------------------------------------------------------


def test_cached_figures_are_recomputed_when_an_issue_changes(
    client, w, chair, staff, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(chair)
    first = client.get("/dashboard/?period=2026Q4")
    assert shown(first, "summary")[0]["display"] == "0"
    # Served from the cache: the session, the user, the roles and the notices only.
    with django_assert_max_num_queries(8):
        again = client.get("/dashboard/?period=2026Q4")
    assert again.context["computed_at"] == first.context["computed_at"]
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_create(
            actor=staff,
            title="New in October",
            enterprise=factories.EnterpriseFactory(),
            category=w.category,
            source=Issue.Source.HOTLINE,
            raised_on=world.TODAY,
        )
    after = client.get("/dashboard/?period=2026Q4")
    assert shown(after, "summary")[0]["display"] == "1"


def test_a_cache_that_fails_does_not_fail_the_page(
    client, w, chair, liaison_a, django_capture_on_commit_callbacks
):

    from roundtable.dashboard import cache

    client.force_login(chair)
    down = ConnectionError("redis down")
    with (
        mock.patch.object(cache.cache, "get_many", side_effect=down),
        mock.patch.object(cache.cache, "set_many", side_effect=down),
        mock.patch.object(cache.cache, "add", side_effect=down),
    ):
        assert client.get("/dashboard/").status_code == 200
        assert client.get(f"/dashboard/department/?department={w.dept_a.pk}").status_code == 200
        # A change still commits; its new versions are lost (logged), and the figures it
        # changed expire within a minute (tests/dashboard/test_cache.py).
        with django_capture_on_commit_callbacks(execute=True):
            services.issue_post_progress(actor=liaison_a, issue=w.issues["I5"], body="Still here")
    # Versions readable but the figures' entries not: computed, not kept, still served.
    with mock.patch.object(cache.cache, "set_many", side_effect=down):
        assert client.get("/dashboard/").status_code == 200


def test_the_ledger_refuses_a_response_filter_without_its_dates(client, w, chair):
    client.force_login(chair)
    response = client.get("/issues/?response=in_time")
    assert response.context["form"].errors
    params = kpis.ledger_params("responded", kpis.quarter(2026, 3))
    assert ledger_count(client, "/issues/?" + "&".join(f"{k}={v}" for k, v in params)) == 5


def test_the_satisfaction_figure_says_who_gave_the_ratings(client, w, chair):
    client.force_login(chair)
    html = client.get("/dashboard/?period=2026Q3").content.decode()
    card = html.split('data-kpi="satisfaction_rate"', 1)[1].split("</li>", 1)[0]
    assert "rated by the enterprise:" in card and "recorded by staff:" in card
    split = dict(
        ("enterprise" if "rated_by=enterprise" in href else "staff", count)
        for href, count in figure_links(card)
        if "rated_by=" in href
    )
    # I3 and I5 rated on the portal, I1 and I9 recorded by staff; each opens the ledger.
    assert split == {"enterprise": 2, "staff": 2}
    for href, count in figure_links(card):
        assert ledger_count(client, href) == count, href
    # Who rated needs the rating's dates, as the dashboard sends them.
    assert client.get("/issues/?rated_by=staff").context["form"].errors


UNCACHED_DASHBOARD_QUERIES = 33


def test_the_uncached_dashboard_counts_a_quarter_and_the_one_before_in_one_pass(
    client, w, chair, django_assert_max_num_queries
):
    """Uncached, the two quarters the chair's dashboard compares are counted in the same
    queries (kpis.compute_periods), not in one pass each: the page's queries stay at the
    number one pass needs."""
    from roundtable.dashboard import overviews

    client.force_login(chair)
    ledger_version.changed_everything()
    with django_assert_max_num_queries(UNCACHED_DASHBOARD_QUERIES):
        assert client.get("/dashboard/?period=2026Q4").status_code == 200
    # Counted alone, each quarter would take its own pass.
    ledger_version.changed_everything()
    with mock.patch.object(overviews, "_period_part", _period_part_alone(overviews)):
        with CaptureQueriesContext(connection) as alone:
            client.get("/dashboard/?period=2026Q4")
    assert len(alone) > UNCACHED_DASHBOARD_QUERIES


def _period_part_alone(overviews):
    real = overviews._period_part

    def alone(*args, **kwargs):
        part = real(*args, **kwargs)
        part.together = None
        return part

    return alone
