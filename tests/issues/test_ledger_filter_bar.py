"""The ledger's filter bar (issue 16): folded to one line that says which filters are in
force, in the reader's language; sortable headings that say which one sorts, and how."""

import pytest
from django.utils import translation
from lxml import html

from issues.filters import LedgerFilterForm
from tests import factories

pytestmark = pytest.mark.django_db


def _doc(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def test_the_summary_names_each_filter_in_force(dept_a):
    form = LedgerFilterForm(
        {
            "status": ["in_progress", "closed"],
            "lead": str(dept_a.pk),
            "overdue": "on",
            "raised_from": "2026-07-01",
            "on_time": "1",
            "sort": "title",
        }  # fmt: skip
    )
    with translation.override("en"):
        assert form.summary() == [
            "Status: In progress, Closed",
            f"Lead department: {dept_a.name_en}",
            "Overdue only",
            "Raised from: 2026-07-01",
            "1 condition from a link",  # a dashboard figure's, not shown by the form
        ]
    with translation.override("zh-hans"):
        form = LedgerFilterForm({"status": ["closed"], "lead": str(dept_a.pk)})
        assert form.summary() == ["状态：已销号", f"牵头单位：{dept_a.name_zh}"]
    assert LedgerFilterForm({}).summary() == []
    assert LedgerFilterForm({"due_within": "x"}).summary() == []  # invalid: nothing in force


def test_the_bar_is_folded_unless_the_filter_has_errors(staff):
    client = factories.client_as(staff)
    doc = _doc(client.get("/issues/?overdue=on"))
    [details] = doc.xpath('//details[@id="ledger-filters"]')
    assert details.get("open") is None
    assert details.xpath('.//*[@id="ledger-filter-summary"]')[0].text_content() == "Overdue only"
    doc = _doc(client.get("/issues/?due_within=999"))
    assert doc.xpath('//details[@id="ledger-filters"]')[0].get("open") is not None


def test_htmx_results_bring_the_summary_along(staff):
    client = factories.client_as(staff)
    response = client.get(
        "/issues/?overdue=on", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger-results"
    )
    [summary] = _doc(response).xpath('//*[@id="ledger-filter-summary"]')
    assert summary.get("hx-swap-oob") == "true"
    assert summary.text_content() == "Overdue only"


def test_sortable_headings_show_the_sort_in_force(staff):
    client = factories.client_as(staff)
    doc = _doc(client.get("/issues/"))
    # The default: newest raised first.
    [sorted_by] = doc.xpath("//table[contains(@class, 'issue-table')]//th[@aria-sort]")
    assert sorted_by.get("aria-sort") == "descending"
    assert sorted_by.text_content() == "Raised▼"
    headings = doc.xpath("//th[contains(@class, 'sortable')]")
    assert len(headings) == 5
    assert all(h.xpath(".//span[@class='sort-arrow'][@aria-hidden='true']") for h in headings)
    doc = _doc(client.get("/issues/?sort=deadline"))
    [sorted_by] = doc.xpath("//th[@aria-sort]")
    assert (sorted_by.text_content(), sorted_by.get("aria-sort")) == ("Deadline▲", "ascending")
    assert sorted_by.xpath(".//a/@href")[0].endswith("sort=-deadline")


def _options(client, name):
    doc = _doc(client.get("/issues/"))
    return [o.text_content() for o in doc.xpath(f'//select[@name="{name}"]/option')]


def _zh_departments():
    with translation.override("zh-hans"):
        return [label for _value, label in LedgerFilterForm()._department_choices]


def test_the_selects_follow_changes_to_departments_categories_and_countries(staff):
    """The filter's choices are cached (issues/filters.py): a department, a category or an
    enterprise's country saved or deleted shows in the next page, in each language."""
    client = factories.client_as(staff)
    with translation.override("en"):
        before = _options(client, "lead")
    zh_before = _zh_departments()  # cached in Chinese too
    dept = factories.DepartmentFactory(name_en="Harbour Office", name_zh="港务办")
    category = factories.CategoryFactory(name_en="Ports", name_zh="港口")
    factories.EnterpriseFactory(country="IS")
    with translation.override("en"):
        assert "Harbour Office" in _options(client, "lead")
        assert "Harbour Office" in _options(client, "department")
        assert "Ports" in _options(client, "category")
        assert "Iceland" in _options(client, "country")
    assert "港务办" in _zh_departments() and "港务办" not in zh_before
    category.name_en = "Ports and harbours"
    category.save()
    with translation.override("en"):
        assert "Ports and harbours" in _options(client, "category")
    dept.delete()
    with translation.override("en"):
        assert _options(client, "lead") == before
    assert _zh_departments() == zh_before


def test_a_row_shows_the_lead_and_how_many_co_handle(staff, dept_a, dept_b):
    issue = factories.IssueFactory(title="Harbour dredging permit")
    factories.AssignmentFactory(issue=issue, department=dept_a, role="lead")
    factories.AssignmentFactory(issue=issue, department=dept_b, role="co")
    client = factories.client_as(staff)
    with translation.override("en"):
        doc = _doc(client.get("/issues/?q=dredging"))
    [row] = doc.xpath("//table[contains(@class,'issue-table')]/tbody/tr")
    cell = row.xpath('./td[@data-label="Lead department"]')[0]
    assert cell.text_content().split() == [*dept_a.name_en.split(), "+1"]
    assert cell.get("title") == f"{dept_a.name_en} (+1)"


def test_the_lists_answer_with_the_cache_down(staff, liaison_a, dept_a, dept_b):
    """The cache (Redis in production) only saves queries: with every call failing, the
    ledger, a search, My department and a change of department still answer."""
    from unittest import mock

    from django.core.cache import cache

    issue = factories.IssueFactory(title="Harbour dredging permit")
    factories.AssignmentFactory(issue=issue, department=dept_a, role="lead")
    down = ConnectionError("redis down")
    with mock.patch.multiple(
        cache,
        get=mock.Mock(side_effect=down),
        set=mock.Mock(side_effect=down),
        get_many=mock.Mock(side_effect=down),
        set_many=mock.Mock(side_effect=down),
        delete_many=mock.Mock(side_effect=down),
        add=mock.Mock(side_effect=down),
    ):
        staff_client = factories.client_as(staff)
        with translation.override("en"):
            doc = _doc(staff_client.get("/issues/?q=dredging"))
            assert dept_a.name_en in _options(staff_client, "lead")
        assert len(doc.xpath("//table[contains(@class,'issue-table')]/tbody/tr")) == 1
        assert factories.client_as(liaison_a).get("/issues/my-department/").status_code == 200
        dept_b.name_en = "Renamed office"
        dept_b.save()  # its signal cannot clear the cache: logged, not raised
        with translation.override("en"):
            assert "Renamed office" in _options(staff_client, "lead")
