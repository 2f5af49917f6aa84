"""What the system says (notices, reminder reasons, its own timeline entries) is worded in the
reader's language when read: the page's for a page, the recipient's for an e-mail, whatever
the language of whoever caused it, and whatever the reader's language was when it was
written. Rows written before (their words stored) are turned into phrases by a migration."""

import email
import importlib
from datetime import date, timedelta
from email import policy

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import translation

from issues import services
from issues.models import ActionUpdate
from roundtable.notifications import delivery
from roundtable.notifications.models import Notification, ReminderLog
from tests import factories
from tests.factories import client_as
from tests.reminders.conftest import at, make_issue, run

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 10, 16)


def _switch(client, language: str) -> None:
    """The language switch in the header, as the reader uses it."""
    response = client.post(reverse("accounts:set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302


def _assign(people, actor_language: str):
    staff = people["St"]
    staff.preferred_language = actor_language
    staff.save()
    issue = factories.IssueFactory(status="logged")
    with translation.override(actor_language):
        services.issue_assign(
            actor=staff,
            issue=issue,
            lead_department=people["dept_a"],
            co_departments=[people["dept_b"]],
            deadline=issue.raised_on + timedelta(days=60),
        )
    return issue


def test_a_notice_written_in_chinese_reads_in_english_after_the_reader_switches(people):
    liaison = people["LA"]
    liaison.preferred_language = "zh-hans"
    liaison.save()
    issue = _assign(people, "zh-hans")
    client = client_as(liaison)

    page = client.get(reverse("notifications:list")).content.decode()
    assert f"{issue.reference} 已交办本单位" in page
    assert "本事项已交办您所在单位。" in page

    _switch(client, "en")
    page = client.get(reverse("notifications:list")).content.decode()
    assert f"{issue.reference} assigned to your department" in page
    assert "Your department was assigned this issue." in page
    assert "已交办" not in page and "本事项" not in page


def test_the_assigned_entry_names_the_departments_in_the_readers_language(people):
    issue = _assign(people, "zh-hans")
    client = client_as(people["St"])
    _switch(client, "en")
    page = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "Department A, Department B" in timeline
    assert "甲局" not in timeline

    _switch(client, "zh-hans")
    page = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "甲局、乙局" in timeline
    assert "Department A" not in timeline


def test_a_reminder_reason_reads_in_the_log_readers_language(people):
    people["Mo"].preferred_language = "en"
    people["Mo"].save()
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], monitor=people["Mo"])
    run(FRIDAY)
    row = ReminderLog.objects.get(recipient=people["Mo"], kind="overdue")
    assert row.reason == "You are the monitor of this overdue issue."

    staff = people["St"]
    staff.preferred_language = "zh-hans"
    staff.save()
    page = client_as(staff).get(reverse("reminders:log")).content.decode()
    assert "您是本逾期事项的督办人。" in page
    assert "You are the monitor of this overdue issue." not in page

    # The monitor's own notice, read after a switch to Chinese.
    client = client_as(people["Mo"])
    _switch(client, "zh-hans")
    page = client.get(reverse("notifications:list")).content.decode()
    assert "逾期2个工作日" in page and "您是本逾期事项的督办人。" in page
    assert "Overdue by" not in page


def _parsed(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _text(parsed) -> str:
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _html(parsed) -> str:
    return parsed.get_body(preferencelist=("html",)).get_content()


def test_each_recipient_of_one_change_gets_the_e_mail_in_their_own_language(people):
    """The actor reads English; the lead's liaison Chinese, the co-handler's English; and
    the lead's head switched to Chinese after the notice was written, before it was sent."""
    people["LA"].preferred_language = "zh-hans"
    people["LA"].save()
    people["LB"].preferred_language = "en"
    people["LB"].save()
    people["HA"].preferred_language = "en"
    people["HA"].save()
    issue = _assign(people, "en")
    people["HA"].preferred_language = "zh-hans"
    people["HA"].save()
    delivery.reminders_deliver_pending()

    for user in (people["LA"], people["HA"]):
        parsed = _parsed(user)
        assert str(parsed["Subject"]) == f"{issue.reference} 已交办本单位"
        for body in (_text(parsed), _html(parsed)):
            assert "已交办本单位" in body and "本事项已交办您所在单位。" in body
            assert "assigned to your department" not in body
            assert "Your department was assigned" not in body
    parsed = _parsed(people["LB"])
    assert str(parsed["Subject"]) == f"{issue.reference} assigned to your department"
    for body in (_text(parsed), _html(parsed)):
        assert "Your department was assigned this issue." in body
        assert "已交办" not in body


def _migrate(app: str, name: str) -> None:
    importlib.import_module(f"{app}.migrations.{name}").forwards(apps, None)


def test_the_migration_turns_stored_words_into_phrases_and_keeps_what_it_cannot_read(people):
    issue = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"])
    with translation.override("zh-hans"):
        old_title = f"{issue.reference} 乙局已退回"
        old_reason = "您是本逾期事项的督办人。"
    read = Notification.objects.create(
        recipient=people["St"], issue=issue, title=old_title, reason=old_reason
    )
    unread = Notification.objects.create(
        recipient=people["St"], issue=issue, title="Something said by hand", reason="Because."
    )
    log = ReminderLog.objects.create(
        kind="overdue",
        subject_key=f"issue:{issue.pk}",
        issue=issue,
        recipient=people["Mo"],
        due_on=FRIDAY,
        status="sent",
        reason="You head Department A, the lead department of this overdue issue.",
        claimed_at=at(FRIDAY),
    )
    assigned = ActionUpdate.objects.create(issue=issue, kind="assigned", body="甲局, Department B")
    closed = ActionUpdate.objects.create(issue=issue, kind="closed", body="满意 — 已解决")
    escalated = ActionUpdate.objects.create(
        issue=issue,
        kind="escalated",
        body=(
            "Overdue by more than 5 working days (deadline 2026-10-14): on the chairperson's "
            "attention list; the lead department's head was notified."
        ),
    )

    _migrate("roundtable.notifications", "0003_phrases_from_text")
    _migrate("issues", "0016_timeline_phrases_from_text")
    for row in (read, unread, log, assigned, closed, escalated):
        row.refresh_from_db()

    with translation.override("en"):
        assert read.shown_title == f"{issue.reference} returned by Department B"
        assert read.shown_reason == "You are the monitor of this overdue issue."
        assert log.shown_reason == (
            "You head Department A, the lead department of this overdue issue."
        )
        assert assigned.shown_body == "Department A, Department B"
        assert closed.shown_body == "Satisfied — 已解决"
        assert escalated.shown_body.startswith("Overdue by more than 5 working days")
        assert unread.shown_title == "Something said by hand"
        assert unread.shown_reason == "Because."
    with translation.override("zh-hans"):
        assert log.shown_reason == "您是本逾期事项牵头单位甲局的负责人。"
        assert assigned.shown_body == "甲局、乙局"
        assert "超过5个工作日" in escalated.shown_body
    assert unread.title_phrase is None and unread.reason_phrase is None


def test_the_recipients_of_one_reminder_each_read_it_in_their_own_language(people):
    """A deadline reminder goes to every liaison of the department. Its line is worded once
    per run for all of them (``messages.Subjects``): once per language, not once for the
    first recipient. Two issues due on different days keep their own lines."""
    people["LA"].preferred_language = "zh-hans"
    people["LA"].save()
    people["RA"].preferred_language = "en"
    people["RA"].save()
    monday, tuesday = date(2026, 10, 19), date(2026, 10, 20)
    first = make_issue(deadline=monday, lead=people["dept_a"], responsible=people["RA"])
    second = make_issue(deadline=tuesday, lead=people["dept_a"], responsible=people["RA"])
    run(FRIDAY)

    chinese, english = _parsed(people["LA"]), _parsed(people["RA"])
    for body in (_text(chinese), _html(chinese)):
        assert f"2026-10-19到期：{first.reference}" in body
        assert f"2026-10-20到期：{second.reference}" in body
        assert "办理时限为2026-10-19（星期一），距今还有1个工作日。" in body
        assert "办理时限为2026-10-20（星期二），距今还有2个工作日。" in body
        assert "Due on" not in body and "working day" not in body
    for body in (_text(english), _html(english)):
        assert f"Due on 2026-10-19: {first.reference}" in body
        assert f"Due on 2026-10-20: {second.reference}" in body
        assert "The deadline, Monday 2026-10-19, is in 1 working day." in body
        assert "The deadline, Tuesday 2026-10-20, is in 2 working days." in body
        assert "到期" not in body and "办理时限" not in body

    titles = dict(
        Notification.objects.filter(issue=first, reminder__due_on=FRIDAY).values_list(
            "recipient__username", "title"
        )
    )
    assert titles[people["LA"].username].startswith("2026-10-19到期：")
    assert titles[people["RA"].username].startswith("Due on 2026-10-19:")
