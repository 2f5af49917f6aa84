"""Deadlines mean what the user typed: N working days count from the day they are given, the
date is shown before saving (a past date is kept only once the user has seen it), and a count
that runs into a year whose official calendar is not published is provisional until commerce
staff count it again, once the year is published.

Dates: Wed 18 Nov 2026 for the counts (no holiday until the end of the year); Sun 20 Dec 2026
for provisional deadlines, with 2027 not published (the seeded calendar ends with 2026).
"""

from datetime import date, datetime

import chinese_calendar
import pytest
import time_machine
from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from lxml import html

from issues import forms as issue_forms
from issues import selectors, services
from issues.models import ActionUpdate, Issue
from roundtable.meetings import forms as meeting_forms
from roundtable.meetings.models import Meeting, MeetingParticipant
from roundtable.notifications.models import Notification
from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarDay, CalendarYear
from tests import factories
from tests.meetings.helpers import make_meeting, make_roundtable

pytestmark = pytest.mark.django_db

TODAY = "2026-11-18 10:00 +0800"  # a Wednesday
THREE_WEEKS_AGO = date(2026, 10, 28)
FIVE_WORKING_DAYS_ON = date(2026, 11, 25)  # Thu 19, Fri 20, Mon 23, Tue 24, Wed 25
# Counted from the day raised, 5 working days was Wed 4 November: overdue at once.
FIVE_WORKING_DAYS_FROM_RAISED = date(2026, 11, 4)

DECEMBER = "2026-12-20 10:00 +0800"  # a Sunday; 2027 is not published


_as = factories.client_as


def _doc(response):
    return html.fromstring(response.content.decode())


def _messages(response) -> list[str]:
    return [li.text_content().strip() for li in _doc(response).xpath('//ul[@class="messages"]/li')]


def _preview(response) -> str:
    [box] = _doc(response).xpath('//*[@id="deadline-preview"]')
    return " ".join(box.text_content().split())


@pytest.fixture
def november():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def december():
    with time_machine.travel(DECEMBER, tick=False):
        yield


@pytest.fixture
def category(db):
    return factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")


def _logged(staff, enterprise, category, raised_on) -> Issue:
    """An issue logged without an assignment, raised on ``raised_on``."""
    return services.issue_create(
        actor=staff,
        title="Warehouse fire inspection 仓库消防验收",
        enterprise=enterprise,
        category=category,
        source=Issue.Source.HOTLINE,
        raised_on=raised_on,
    )


# --- 1. N working days count from the day they are given ----------------------------------


def test_assigning_an_issue_raised_three_weeks_ago_in_5_working_days_gives_a_week_from_today(
    november, staff, enterprise_1, category, dept_a
):
    issue = _logged(staff, enterprise_1, category, THREE_WEEKS_AGO)
    client = _as(staff)

    response = client.post(
        f"/issues/{issue.pk}/assign/",
        {"lead_department": dept_a.pk, "deadline": "", "deadline_working_days": "5"},
        follow=True,
    )

    issue.refresh_from_db()
    assert issue.deadline == FIVE_WORKING_DAYS_ON != FIVE_WORKING_DAYS_FROM_RAISED
    assert (issue.deadline_working_days, issue.deadline_counted_from) == (5, date(2026, 11, 18))
    assert not issue.is_overdue()
    assert (
        "overdue" not in _doc(response).get_element_by_id("issue-status").getparent().text_content()
    )
    assert (
        "5 working days from 2026-11-18"
        in _doc(response).get_element_by_id("issue-deadline").text_content()
    )
    ledger = client.get("/issues/?overdue=1")
    assert issue.reference not in ledger.content.decode()


def _new_issue(client, enterprise, category, dept, working_days):
    return client.post(
        "/issues/new/",
        {
            "title": "Customs clearance of spare parts",
            "enterprise": enterprise.pk,
            "category": category.pk,
            "source": Issue.Source.WECHAT,
            "raised_on": THREE_WEEKS_AGO.isoformat(),
            "priority": Issue.Priority.NORMAL,
            "lead_department": dept.pk,
            "deadline_working_days": working_days,
            "then": "view",
        },
    )


def _assign(client, staff, enterprise, category, dept, working_days):
    issue = _logged(staff, enterprise, category, THREE_WEEKS_AGO)
    return client.post(
        f"/issues/{issue.pk}/assign/",
        {"lead_department": dept.pk, "deadline_working_days": working_days},
    )


def _agreed_point(client, staff, enterprise, category, dept, working_days):
    meeting = make_meeting(
        make_roundtable(leading_department=dept),
        starts_at=datetime.fromisoformat("2026-10-28 09:30 +08:00"),
        status=Meeting.Status.HELD,
    )
    MeetingParticipant.objects.create(meeting=meeting, enterprise=enterprise)
    return client.post(
        f"/meetings/{meeting.pk}/points/new/",
        {
            "title": "Agreed: a joint inspection",
            "enterprise": enterprise.pk,
            "category": category.pk,
            "lead_department": dept.pk,
            "deadline_working_days": working_days,
            "priority": Issue.Priority.NORMAL,
            "then": "view",
        },
    )


# Every form that takes N working days, and how to send it for an issue raised (or a meeting
# held) three weeks ago.
SENDERS = {
    issue_forms.IssueForm: lambda c, s, e, cat, d, n: _new_issue(c, e, cat, d, n),
    issue_forms.AssignForm: _assign,
    meeting_forms.AgreedPointForm: _agreed_point,
}


@pytest.mark.parametrize("form_class", list(SENDERS), ids=lambda f: f.__name__)
def test_every_form_counts_working_days_from_the_day_it_is_sent(
    november, staff, enterprise_1, category, dept_a, form_class
):
    response = SENDERS[form_class](_as(staff), staff, enterprise_1, category, dept_a, "5")

    assert response.status_code == 302, response.content.decode()[:2000]
    issue = Issue.objects.get()
    assert issue.raised_on == THREE_WEEKS_AGO
    assert issue.deadline == FIVE_WORKING_DAYS_ON
    assert not issue.is_overdue()


def _project_forms():
    seen, todo = set(), [django_forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    project = ("issues.", "roundtable.", "departments.")
    return [f for f in seen if f.__module__.startswith(project)]


def test_every_form_with_a_working_day_field_shares_the_one_rule_and_is_tested_above():
    with_working_days = {
        form
        for form in _project_forms()
        if any("working_days" in name for name in form.base_fields)
    }
    assert with_working_days, "the search found no form: it is broken"
    assert all(issubclass(form, issue_forms.DeadlineMixin) for form in with_working_days)
    assert with_working_days - {issue_forms.DeadlinePreviewForm} == set(SENDERS)


# --- 2. The date is shown before saving ---------------------------------------------------


def test_show_the_deadline_displays_the_date_and_saves_nothing_without_javascript(
    november, staff, enterprise_1, category, dept_a
):
    issue = _logged(staff, enterprise_1, category, THREE_WEEKS_AGO)
    version = issue.version

    response = _as(staff).post(
        f"/issues/{issue.pk}/assign/",
        {"lead_department": dept_a.pk, "deadline_working_days": "5", "preview": "1"},
    )

    assert response.status_code == 200
    text = _preview(response)
    assert "The deadline will be 2026-11-25 (Wednesday)" in text
    assert "5 working days counted from today, 2026-11-18" in text
    issue.refresh_from_db()
    assert (issue.deadline, issue.version) == (None, version)
    # What was typed is still in the form, for the real save.
    assert _doc(response).xpath('//input[@name="deadline_working_days"]/@value') == ["5"]


@pytest.mark.parametrize("form_url", ["/issues/new/", "assign"])
def test_a_deadline_that_has_passed_is_kept_only_once_the_user_has_seen_the_warning(
    november, staff, enterprise_1, category, dept_a, form_url
):
    issue = _logged(staff, enterprise_1, category, THREE_WEEKS_AGO)
    client = _as(staff)
    if form_url == "assign":
        url = f"/issues/{issue.pk}/assign/"
        post = {"lead_department": dept_a.pk, "deadline": "2026-11-02"}
    else:
        url = form_url
        post = {
            "title": "Backfilled from the old ledger",
            "enterprise": enterprise_1.pk,
            "category": category.pk,
            "source": Issue.Source.EMAIL,
            "raised_on": THREE_WEEKS_AGO.isoformat(),
            "priority": Issue.Priority.NORMAL,
            "lead_department": dept_a.pk,
            "deadline": "2026-11-02",
            "then": "view",
        }
    before = Issue.objects.count(), Issue.history.count()

    preview = client.post(url, post | {"preview": "1"})
    refused = client.post(url, post)

    for response in (preview, refused):
        assert "2026-11-02 has already passed" in _preview(response)
        assert _doc(response).xpath('//input[@name="confirm_past_deadline"]')
    assert refused.status_code in (200, 400)
    assert (Issue.objects.count(), Issue.history.count()) == before

    saved = client.post(url, post | {"confirm_past_deadline": "on"}, follow=True)
    assert saved.redirect_chain
    assert Issue.objects.filter(deadline=date(2026, 11, 2)).count() == 1
    assert any("has already passed" in m for m in _messages(saved))


def test_the_live_preview_answers_with_the_date_for_n_working_days(november, staff):
    response = _as(staff).get("/issues/deadlines/preview/", {"deadline_working_days": "5"})

    assert response.status_code == 200
    text = " ".join(_doc(response).text_content().split())
    assert "The deadline will be 2026-11-25" in text
    assert "counted from today, 2026-11-18" in text


def test_the_live_preview_warns_when_the_date_has_passed_and_offers_to_keep_it(november, staff):
    response = _as(staff).get("/issues/deadlines/preview/", {"deadline": "2026-11-17"})

    doc = _doc(response)
    assert "2026-11-17 has already passed: the issue will be overdue at once" in doc.text_content()
    assert doc.xpath('//input[@name="confirm_past_deadline"][@type="checkbox"]')


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"deadline_working_days": "five"}, "Enter a whole number."),
        ({"deadline_working_days": "0"}, "greater than or equal to 1"),
        ({"deadline_working_days": "5", "deadline": "2026-12-01"}, "not both"),
        ({"deadline": "9999-12-31"}, "outside the plausible range"),
        ({"deadline": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_the_live_preview_explains_what_it_cannot_count(november, staff, query, error):
    response = _as(staff).get("/issues/deadlines/preview/", query)

    assert response.status_code == 200
    assert error in _doc(response).text_content()


@pytest.mark.parametrize("persona", ["liaison_a", "head_a", "chair", "monitor", "admin_user"])
def test_only_those_who_give_deadlines_may_ask_the_preview(november, request, persona):
    client = _as(request.getfixturevalue(persona))
    assert client.get("/issues/deadlines/preview/?deadline_working_days=5").status_code == 403


# --- 3. Provisional deadlines -------------------------------------------------------------


def _assigned_in_december(staff, enterprise, category, dept, working_days=10) -> Issue:
    issue = _logged(staff, enterprise, category, date(2026, 12, 14))
    response = _as(staff).post(
        f"/issues/{issue.pk}/assign/",
        {"lead_department": dept.pk, "deadline_working_days": str(working_days)},
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    return issue


def _publish_2027_in_the_admin(admin_user, days):
    client = _as(admin_user)
    response = client.post(
        "/admin/workdays/calendaryear/add/",
        {"year": "2027", "published": "on", "source": "State Council notice", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    for day, kind, name in days:
        response = client.post(
            "/admin/workdays/calendarday/add/",
            {"date": day, "kind": kind, "name": name},
            follow=True,
        )
        assert response.status_code == 200
    return response


def test_a_deadline_counted_into_an_unpublished_year_is_stored_as_provisional_with_its_count(
    december, staff, enterprise_1, category, dept_a
):
    assert not CalendarYear.objects.filter(year=2027, published=True).exists()

    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)

    # Mon 21 … Thu 31 Dec are 9 working days; Fri 1 Jan 2027 counts as the 10th by the
    # Monday-to-Friday rule.
    assert issue.deadline == date(2027, 1, 1)
    assert issue.deadline_provisional
    assert (issue.deadline_working_days, issue.deadline_counted_from) == (10, date(2026, 12, 20))
    page = _as(staff).get(f"/issues/{issue.pk}/").content.decode()
    assert "provisional: counted Monday to Friday" in page


def test_publishing_2027_lists_the_issue_with_its_old_and_new_dates_and_recounting_changes_it(
    december, staff, admin_user, liaison_a, enterprise_1, category, dept_a
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    version = issue.version
    before = _as(staff).get("/issues/deadlines/provisional/")
    assert before.status_code == 200
    assert not _doc(before).xpath(f'//tr[@id="recount-{issue.pk}"]')
    assert _doc(before).xpath(f'//tr[@id="waiting-{issue.pk}"]')

    admin_page = _publish_2027_in_the_admin(admin_user, [("2027-01-01", "off", "New Year's Day")])

    # The administrator who published is told what is left to do.
    told = _doc(admin_page).get_element_by_id("calendar-follow-ups")
    assert "1 open issue has a provisional deadline that can now be counted again" in (
        told.text_content()
    )
    assert told.xpath(".//a/@href") == []  # not commerce staff: no link to a page they cannot open
    client = _as(staff)
    home = client.get("/")
    assert "/issues/deadlines/provisional/" in _doc(home).get_element_by_id(
        "calendar-follow-ups"
    ).xpath(".//a/@href")
    listing = client.get("/issues/deadlines/provisional/")
    [row] = _doc(listing).xpath(f'//tr[@id="recount-{issue.pk}"]')
    assert row.xpath('string(td[contains(@class, "old-deadline")])').strip() == "2027-01-01"
    assert "2027-01-04" in row.xpath('string(td[contains(@class, "new-deadline")])')
    assert issue.reference in row.text_content()
    issue.refresh_from_db()
    assert (issue.deadline, issue.deadline_provisional) == (date(2027, 1, 1), True)

    form = _doc(listing).xpath("//main//form[@method='post']")[0]
    response = client.post("/issues/deadlines/provisional/", dict(form.form_values()), follow=True)

    assert "1 deadline counted again." in _messages(response)
    issue.refresh_from_db()
    assert issue.deadline == date(2027, 1, 4)
    assert not issue.deadline_provisional
    assert (issue.deadline_working_days, issue.deadline_counted_from) == (10, date(2026, 12, 20))
    assert issue.version == version + 1
    latest = issue.history.latest()
    assert latest.history_user == staff
    assert latest.history_change_reason == "calendar published: 2027"
    entry = issue.updates.get(kind=ActionUpdate.Kind.DEADLINE_RECOUNTED)
    assert entry.author == staff
    assert "2027-01-01 → 2027-01-04" in entry.body
    assert "official calendar for 2027" in entry.body
    titles = Notification.objects.filter(recipient=liaison_a).values_list("title", flat=True)
    assert f"{issue.reference} deadline now 2027-01-04" in titles
    history = client.get(f"/issues/{issue.pk}/history/").content.decode()
    assert "deadline counted again: calendar for 2027 published" in history
    assert not _doc(response).xpath(f'//tr[@id="recount-{issue.pk}"]')


def test_a_recount_giving_the_same_day_still_clears_the_mark_with_history(
    december, staff, admin_user, enterprise_1, category, dept_a
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    _publish_2027_in_the_admin(admin_user, [("2027-02-10", "off", "Spring Festival")])
    client = _as(staff)
    listing = client.get("/issues/deadlines/provisional/")
    [row] = _doc(listing).xpath(f'//tr[@id="recount-{issue.pk}"]')
    assert "same day" in row.text_content()

    form = _doc(listing).xpath("//main//form[@method='post']")[0]
    client.post("/issues/deadlines/provisional/", dict(form.form_values()))

    issue.refresh_from_db()
    assert issue.deadline == date(2027, 1, 1)
    assert not issue.deadline_provisional
    assert issue.history.latest().history_change_reason == "calendar published: 2027"
    entry = issue.updates.get(kind=ActionUpdate.Kind.DEADLINE_RECOUNTED)
    assert "2027-01-01 stays" in entry.body


def test_seed_calendar_publishing_2027_lists_the_provisional_deadline(
    december, staff, enterprise_1, category, dept_a, monkeypatch, capsys
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    new_year = next(
        name for day, name in chinese_calendar.constants.holidays.items() if day == date(2026, 1, 1)
    )
    # A chinese-calendar release that covers 2027.
    monkeypatch.setitem(chinese_calendar.constants.holidays, date(2027, 1, 1), new_year)

    call_command("seed_calendar")

    assert "can now be counted again" in capsys.readouterr().out
    [recount] = selectors.provisional_deadlines().settled
    assert (recount.issue, recount.old.day, recount.new.day) == (
        issue,
        date(2027, 1, 1),
        date(2027, 1, 4),
    )


def test_a_deadline_set_later_as_a_date_loses_the_provisional_mark_with_that_change(
    december, staff, liaison_a, enterprise_1, category, dept_a
):
    reassigned = _assigned_in_december(staff, enterprise_1, category, dept_a)
    services.issue_assign(
        actor=staff, issue=reassigned, lead_department=dept_a, deadline=date(2027, 1, 8)
    )
    reassigned.refresh_from_db()
    assert not reassigned.deadline_provisional
    assert reassigned.deadline_working_days is None
    assert reassigned.history.latest().history_change_reason == "assigned"

    extended = _assigned_in_december(staff, enterprise_1, category, dept_a)
    services.assignment_accept(actor=liaison_a, assignment=factories.lead_of(extended))
    request = services.issue_request_extension(
        actor=liaison_a, issue=extended, requested_deadline=date(2027, 1, 15), reason="Survey"
    )
    services.extension_decide(actor=staff, extension=request, grant=True)
    extended.refresh_from_db()
    assert (extended.deadline, extended.deadline_provisional) == (date(2027, 1, 15), False)
    assert extended.history.latest().history_change_reason == "extension granted"


def test_the_recount_refuses_when_the_calendar_changed_since_the_list_was_shown(
    december, staff, enterprise_1, category, dept_a
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    CalendarYear.objects.create(year=2027, published=True)
    workdays.calendar_changed()
    client = _as(staff)
    form = _doc(client.get("/issues/deadlines/provisional/")).xpath("//main//form[@method='post']")[
        0
    ]
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="off", name="New Year's Day")
    workdays.calendar_changed()

    response = client.post("/issues/deadlines/provisional/", dict(form.form_values()))

    assert response.status_code == 409
    assert "calendar changed while this page was open" in response.content.decode()
    issue.refresh_from_db()
    assert issue.deadline_provisional
    # The page shows the dates as they are now, for a second look.
    [row] = _doc(response).xpath(f'//tr[@id="recount-{issue.pk}"]')
    assert "2027-01-04" in row.text_content()


def test_a_closed_issue_keeps_its_deadline_and_is_not_listed(
    december, staff, admin_user, enterprise_1, category, dept_a
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.CLOSED, closed_at=issue.created_at)
    _publish_2027_in_the_admin(admin_user, [("2027-01-01", "off", "New Year's Day")])

    assert selectors.provisional_deadlines().settled == []
    services.issue_deadlines_recompute(actor=staff)
    issue.refresh_from_db()
    assert (issue.deadline, issue.deadline_provisional) == (date(2027, 1, 1), True)


def test_only_commerce_staff_may_recount(december, liaison_a):
    with pytest.raises(PermissionDenied):
        services.issue_deadlines_recompute(actor=liaison_a)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("liaison_a", 403), ("head_a", 403), ("chair", 403), ("admin_user", 403)],
)
def test_the_provisional_deadlines_page_per_role(
    december, request, staff, enterprise_1, category, dept_a, persona, status
):
    issue = _assigned_in_december(staff, enterprise_1, category, dept_a)
    response = _as(request.getfixturevalue(persona)).get("/issues/deadlines/provisional/")
    assert response.status_code == status
    assert (issue.reference in response.content.decode()) == (status == 200)
