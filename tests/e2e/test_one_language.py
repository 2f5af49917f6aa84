"""Each role's main pages, in a real browser, in English and in Chinese: the UI's own words
(the chrome: headings, labels, buttons, code lists, notices, the system's timeline entries)
are all in the reader's language. Data (an issue's title, an enterprise's or a person's name,
what someone typed) is marked ``translate="no"`` in the templates, the HTML attribute for
"not to be translated", and is left out; so is a text in another ``lang`` (the language
switch names each language in itself). And a notice written while its actor read English
reads in Chinese after its reader switches, and back."""

import re
from datetime import timedelta

import pytest
from django.utils import translation

from departments.models import DepartmentMembership
from issues import services
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# English that a Chinese page may show: the issue references' prefix, units and formats.
ALLOWED_IN_CHINESE = {"rt", "kb", "mb", "gb", "pdf", "csv", "xlsx", "excel", "id", "ical"}

# Every text node and every label-like attribute the reader can meet, less data and text
# in another language (a `lang` other than the page's).
CHROME_TEXT = """() => {
  const page = document.documentElement.lang.toLowerCase();
  const other = (el) => el.closest('[lang]') && el.closest('[lang]').lang.toLowerCase() !== page;
  const skip = (el) => !el || el.closest('[translate="no"], script, style, noscript, template')
    || other(el);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (skip(node.parentElement)) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (skip(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  return out;
}"""


def _other_language(texts: list[str], language: str) -> list[str]:
    if language == "en":
        return [t for t in texts if HAN.search(t)]
    return [
        t for t in texts if {w.casefold() for w in ENGLISH_WORD.findall(t)} - ALLOWED_IN_CHINESE
    ]


@pytest.fixture
def world(db):
    """One department with its head and liaison, commerce staff, the chair and a monitor; an
    enterprise named in both languages; an issue whose title mixes both (data), assigned by
    staff reading English, so that notices and timeline entries exist."""
    dept = factories.DepartmentFactory(code="dept-a", name_en="Department A", name_zh="甲局")
    people = {
        "staff": factories.UserFactory(username="e2e_staff", roles=["commerce_staff"]),
        "chair": factories.UserFactory(username="e2e_chair", roles=["chair"]),
        "liaison": factories.UserFactory(username="e2e_liaison"),
        "head": factories.UserFactory(username="e2e_head"),
        "monitor": factories.UserFactory(username="e2e_monitor"),
    }
    for user in people.values():
        user.full_name = "陈 Chen"  # a name is data, in whatever script it is written
        user.save()
    for key, role in (("liaison", "liaison"), ("head", "head")):
        factories.MembershipFactory(
            user=people[key], department=dept, role=getattr(DepartmentMembership.Role, role.upper())
        )
    # An industry typed in Chinese: a section of the national classification, shown in
    # the reader's language (lib/industries.py).
    enterprise = factories.EnterpriseFactory(
        name_en="Acme Ltd", name_zh="艾克米有限公司", industry="制造业"
    )
    issue = factories.IssueFactory(
        status="logged",
        title="仓库许可 Warehouse permit",
        enterprise=enterprise,
        monitor=people["monitor"],
    )
    with translation.override("en"):
        services.issue_assign(
            actor=people["staff"],
            issue=issue,
            lead_department=dept,
            deadline=issue.raised_on + timedelta(days=60),
        )
    return {"people": people, "issue": issue, "dept": dept}


def _sign_in(page, base, user, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def _pages(issue) -> dict[str, list[str]]:
    detail = f"/issues/{issue.pk}/"
    return {
        "liaison": ["/", "/issues/my-department/", detail, "/notifications/"],
        "head": ["/", "/issues/my-department/", detail],
        "monitor": ["/", "/issues/", detail, "/notifications/"],
        "staff": [
            "/",
            "/issues/",
            detail,
            "/enterprises/",
            "/meetings/",
            "/notifications/",
            "/reminders/log/",
        ],
        "chair": ["/", "/dashboard/", "/issues/", detail],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_chrome_of_each_roles_main_pages_is_in_the_readers_language(
    live_server, page, world, language
):
    """Per role (one sign-in each, one database for all: a live server's is slow to set up),
    every main page; what is found is reported by role and page."""
    base = live_server.url
    found = {}
    for role, paths in _pages(world["issue"]).items():
        _sign_in(page, base, world["people"][role], language)
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (role, path)
            assert page.evaluate("document.documentElement.lang").lower() == language
            wrong = _other_language(page.evaluate(CHROME_TEXT), language)
            if wrong:
                found[f"{role} {path}"] = wrong
    assert found == {}, "\n".join(f"{key}: {texts}" for key, texts in found.items())


@pytest.mark.django_db(transaction=True)
def test_a_notice_written_in_english_reads_in_chinese_after_the_switch_and_back(
    live_server, page, world
):
    base = live_server.url
    liaison = world["people"]["liaison"]
    _sign_in(page, base, liaison, "en")
    page.goto(f"{base}/notifications/")
    notices = page.locator("#notifications")
    reference = world["issue"].reference
    assert f"{reference} assigned to your department" in notices.inner_text()
    assert "Your department was assigned this issue." in notices.inner_text()

    page.locator('.lang-switch button[value="zh-hans"]').click()
    page.wait_for_url(f"{base}/notifications/")
    text = notices.inner_text()
    assert f"{reference} 已交办本单位" in text and "本事项已交办您所在单位。" in text
    assert "assigned to your department" not in text

    page.goto(f"{base}/issues/{world['issue'].pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "甲局" in timeline and "Department A" not in timeline

    page.locator('.lang-switch button[value="en"]').click()
    page.wait_for_url(f"{base}/issues/{world['issue'].pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "Department A" in timeline and "甲局" not in timeline
