"""A search that matches more issues than the ledger counts (SEARCH_COUNT_MAX): the ledger says
"more than N", never a made-up number, and its pages still go on with Previous and Next."""

from urllib.parse import parse_qs

import pytest
from lxml import html

from issues import views_lists
from tests import factories

pytestmark = pytest.mark.django_db

CAP, PER_PAGE = 3, 2


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views_lists, "SEARCH_COUNT_MAX", CAP)
    monkeypatch.setattr(views_lists, "PAGE_SIZE", PER_PAGE)


def _doc(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def _titles(doc) -> list[str]:
    return [a.text_content().strip() for a in doc.xpath("//table/tbody/tr/td[2]/a")]


def _count(doc) -> str:
    return doc.get_element_by_id("ledger-count").text_content().strip()


def _pager(doc) -> str:
    [nav] = doc.xpath('//nav[@class="pager"]')
    return " ".join(nav.text_content().split())


def _link(doc, label) -> dict:
    [href] = doc.xpath(f'//nav[@class="pager"]/a[normalize-space()="{label}"]/@href')
    return parse_qs(href[1:])


def _issues(titles):
    for title in titles:
        factories.IssueFactory(title=title)


def test_a_search_with_more_matches_than_the_cap_says_more_than_and_pages_on(small_pages, staff):
    matching = [f"晾晒 {n}" for n in range(5)]
    _issues(matching + ["用地 other"])
    client = factories.client_as(staff)

    first = _doc(client.get("/issues/", {"q": "晾晒", "sort": "title"}))
    assert _count(first) == f"More than {CAP} issues"
    assert _titles(first) == matching[:2]
    assert _pager(first) == "Page 1 Next"  # no "of N": the number of pages is not known
    assert _link(first, "Next") == {"q": ["晾晒"], "sort": ["title"], "page": ["2"]}

    third = _doc(client.get("/issues/", {"q": "晾晒", "sort": "title", "page": "3"}))
    assert _titles(third) == matching[4:]
    assert _count(third) == f"More than {CAP} issues"
    assert _pager(third) == "Previous Page 3"  # the last page: no Next
    assert _link(third, "Previous")["page"] == ["2"]

    # A page past the end lands on the first, as a page past the last does without a cap.
    beyond = _doc(client.get("/issues/", {"q": "晾晒", "sort": "title", "page": "9"}))
    assert _titles(beyond) == matching[:2]


def test_the_capped_count_reads_in_chinese(small_pages, staff):
    _issues(f"晾晒 {n}" for n in range(5))
    staff.preferred_language = "zh-hans"
    staff.save(update_fields=["preferred_language"])

    doc = _doc(factories.client_as(staff).get("/issues/", {"q": "晾晒"}))

    assert _count(doc) == f"超过{CAP}项"
    assert _pager(doc).startswith("第1页")


def test_a_search_within_the_cap_and_the_plain_ledger_count_exactly(small_pages, staff):
    _issues([f"晾晒 {n}" for n in range(CAP)] + ["用地 a", "用地 b"])
    client = factories.client_as(staff)

    searched = _doc(client.get("/issues/", {"q": "晾晒"}))
    assert _count(searched) == f"{CAP} issues"
    assert _pager(searched) == "Page 1 of 2 Next"

    # Without a search the ledger counts everything, however many.
    plain = _doc(client.get("/issues/"))
    assert _count(plain) == f"{CAP + 2} issues"
    assert _pager(plain) == "Page 1 of 3 Next"
