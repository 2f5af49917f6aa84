"""What a reminder e-mail says, read as a mail client reads it: the subject on one line, a
text and an HTML part in the recipient's language, numbers that agree with their nouns, a
deadline that is "today" only on the day itself, and each issue on one line."""

import email
import re
from datetime import date
from email import policy

import pytest
from django.core import mail

from departments.models import DepartmentMembership
from issues.models import ActionUpdate
from roundtable.meetings.models import Meeting, MeetingParticipant, Roundtable
from roundtable.notifications.models import Notification
from tests import factories
from tests.reminders.conftest import at, make_issue, run

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 10, 16)
MONDAY = date(2026, 10, 12)  # first working day of its week: the weekly digest goes out


def _parsed(user) -> email.message.EmailMessage:
    """The one message to ``user``, as bytes on the wire parsed back by ``email``."""
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _text(parsed) -> str:
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _html(parsed) -> str:
    return parsed.get_body(preferencelist=("html",)).get_content()


def _everything_written() -> list[str]:
    """Every subject, text and HTML part sent, every in-app notice and timeline entry."""
    out = []
    for message in mail.outbox:
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
        out += [str(parsed["Subject"]), _text(parsed), _html(parsed)]
    out += [f"{n.title} {n.reason}" for n in Notification.objects.all()]
    out += list(ActionUpdate.objects.values_list("body", flat=True))
    return out


# "1 working days", "1 days", "1 reminders", "1 more are": a number that disagrees with its
# noun. Counts and limits are all 1 below, so any text that ignores the plural shows here.
SINGULAR_WITH_PLURAL = re.compile(
    r"\b1 (working days|days|reminders|issues|notifications|enterprises|more are)\b"
)


def test_every_count_of_one_reads_in_the_singular(people, settings):
    settings.ROUNDTABLE = {
        **settings.ROUNDTABLE,
        "ACCEPT_WITHIN_WORKING_DAYS": 1,
        "ESCALATE_AFTER_WORKING_DAYS": 1,
        "STALE_AFTER_WORKING_DAYS": 1,
        "MINUTES_DUE_WORKING_DAYS": 1,
        "DEADLINE_REMINDER_DAYS": (1,),
    }
    dept_a = people["dept_a"]
    # Overdue by 1 working day (Thu 15 → Fri 16) for the responsible person alone.
    late = make_issue(deadline=date(2026, 10, 15), lead=dept_a, responsible=people["RA"])
    # Overdue by more than 1 working day: escalated; and quiet since Tuesday: no update.
    quiet = make_issue(deadline=date(2026, 10, 13), lead=dept_a, monitor=people["Mo"])
    ActionUpdate.objects.create(
        issue=quiet, kind=ActionUpdate.Kind.PROGRESS, created_at=at(date(2026, 10, 13), 10)
    )
    # Not accepted within 1 working day.
    make_issue(
        deadline=date(2026, 11, 30),
        lead=people["dept_b"],
        status="assigned",
        lead_status="pending",
        assigned_at=at(date(2026, 10, 14), 10),
    )
    # A service visit every 1 day, none recorded.
    official = factories.UserFactory(username="official")
    enterprise = factories.EnterpriseFactory(designated_official=official, visit_interval_days=1)
    type(enterprise).objects.filter(pk=enterprise.pk).update(created_at=at(date(2026, 10, 14)))
    # Minutes unpublished 1 working day after the meeting.
    roundtable = Roundtable.objects.create(
        name_zh="测试圆桌会议", jurisdiction="Test", leading_department=dept_a
    )
    held = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.ON_SPOT,
        topic="On-spot meeting",
        starts_at=at(date(2026, 10, 14), 14),
        status=Meeting.Status.HELD,
    )
    MeetingParticipant.objects.create(meeting=held, department=dept_a)

    run(FRIDAY)

    written = _everything_written()
    offenders = [m.group(0) for text in written for m in SINGULAR_WITH_PLURAL.finditer(text)]
    assert offenders == []
    # And the singular is really there.
    responsible = _parsed(people["RA"])
    assert str(responsible["Subject"]) == f"Overdue by 1 working day: {late.reference} {late.title}"
    assert "The Roundtable portal has 1 reminder for you." in _text(responsible)
    everything = "\n".join(written)
    for singular in (
        "within 1 working day.",
        "no update for 1 working day",
        "no service visit for 1 day.",
        "unpublished 1 working day after the meeting",
        "overdue by more than 1 working day",
        "interval of 1 day.",
    ):
        assert singular in everything, singular


def test_a_deadline_on_a_holiday_is_not_today_on_the_working_day_before(people):
    # Thu 1 Oct is National Day: its "1 working day before" reminder goes on Wed 30 Sep.
    issue = make_issue(
        deadline=date(2026, 10, 1),
        lead=people["dept_a"],
        responsible=people["RA"],
        assigned_at=at(date(2026, 9, 21), 10),
    )
    people["LA"].preferred_language = "zh-hans"
    people["LA"].save()

    run(date(2026, 9, 28))  # 3 working days before: Mon 28 Sep
    english = _text(_parsed(people["RA"]))
    assert (
        "The deadline, Thursday 2026-10-01, is a day off, 3 days from now. "
        "2 working days are left before it." in english
    )
    mail.outbox.clear()

    run(date(2026, 9, 30))
    parsed = _parsed(people["RA"])
    text, html = _text(parsed), _html(parsed)
    assert str(parsed["Subject"]) == f"Due on 2026-10-01: {issue.reference} {issue.title}"
    for body in (text, html):
        assert "today" not in body.replace("Today is the last working day", "")
        assert (
            "The deadline, Thursday 2026-10-01, is a day off, 1 day from now. "
            "Today is the last working day before it." in body
        )
    chinese = _text(_parsed(people["LA"]))
    assert "办理时限为2026-10-01（星期四），是非工作日，距今还有1天。" in chinese
    assert "今天是截止前的最后一个工作日。" in chinese


def test_the_deadline_is_today_only_on_the_day_itself(people):
    # Fri 16 Oct is a working day; the run of Thu 15 was missed, so Friday's run sends the
    # reminders of both Tue 13 (3 days before) and Thu 15 (1 day before), on one line.
    issue = make_issue(deadline=FRIDAY, lead=people["dept_a"], responsible=people["RA"])
    run(FRIDAY)
    parsed = _parsed(people["RA"])
    text = _text(parsed)
    assert "The deadline is today." in text and "The deadline is today." in _html(parsed)
    assert text.count(issue.reference) == 1
    assert str(parsed["Subject"]) == f"Due on 2026-10-16: {issue.reference} {issue.title}"


def test_an_issue_is_one_line_for_a_recipient_with_several_seats(people, settings):
    settings.ROUNDTABLE = {**settings.ROUNDTABLE, "STALE_AFTER_WORKING_DAYS": 1}
    liaison, head = people["LA"], people["HA"]
    # The liaison of A is also the monitor of X: a deadline reminder (as liaison), a
    # no-update reminder (as monitor), and X in the weekly digest (due soon).
    x = make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        monitor=liaison,
        title="Permit X",
        assigned_at=at(date(2026, 9, 21), 10),
    )
    ActionUpdate.objects.create(
        issue=x, kind=ActionUpdate.Kind.PROGRESS, created_at=at(date(2026, 10, 8), 10)
    )
    # The head of A also heads B, which co-handles Y: Y is in both departments' digest.
    factories.MembershipFactory(
        user=head, department=people["dept_b"], role=DepartmentMembership.Role.HEAD
    )
    y = make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        co=people["dept_b"],
        title="Permit Y",
        assigned_at=at(date(2026, 9, 21), 10),
    )

    run(MONDAY)

    parsed = _parsed(liaison)
    text, html = _text(parsed), _html(parsed)
    for body in (text, html):
        assert body.count(x.reference) == 1
    assert "   Also: No update for 1 working day\n" in text
    assert "You are the liaison of Department A, the lead department." in text
    assert "You are the monitor of this issue, which has had no update for 1 working day." in text
    assert "1 more is listed above." in text

    parsed = _parsed(head)
    text, html = _text(parsed), _html(parsed)
    for issue in (x, y):
        assert text.count(issue.reference) == 1
        assert html.count(issue.reference) == 1
    assert "You head Department A, Department B: this is your weekly supervision digest." in text
    assert "1 more is listed above." in text  # Y again, under Department B


def test_a_message_parses_with_a_one_line_subject_and_both_parts_in_the_recipients_language(
    people,
):
    head = people["HA"]
    head.preferred_language = "zh-hans"
    head.save()
    title = "Warehouse permit\r\nBcc: someone@example.com"
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], title=title)
    make_issue(deadline=date(2026, 10, 15), lead=people["dept_a"], title="仓库许可")
    run(FRIDAY)

    raw = next(m for m in mail.outbox if m.to == [head.email]).message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    subject = str(parsed["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert subject == "圆桌会议：3条提醒"  # two overdue issues and the week's digest
    assert parsed["Bcc"] is None
    assert parsed.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in parsed.iter_parts()]
    assert types == ["text/plain", "text/html"]
    text, html = _text(parsed), _html(parsed)
    for body in (text, html):
        assert "圆桌会议平台有3条提醒。" in body
        assert "另有2项已在上文列出。" in body  # the digest does not list them again
        assert "甲局" in body and "Department A" not in body
        assert "The deadline was" not in body
    assert '<html lang="zh-hans">' in html
