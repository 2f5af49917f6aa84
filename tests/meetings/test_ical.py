"""The private iCalendar feed: RFC 5545 form, what it lists for whom, and its token's
revocation."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from issues.models import Issue
from roundtable.meetings import ical, services
from roundtable.meetings.models import CalendarFeed, Meeting
from tests.meetings.helpers import make_meeting

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 29, 10, 0, tzinfo=SH)


# --- The writer ---------------------------------------------------------------------------


def test_text_values_escape_backslash_semicolon_comma_and_newlines():
    assert ical.escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert ical.escape_text("bell\x07") == "bell"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "圆桌会议外商投资企业" * 12 + " and some ASCII text, too"
    folded = ical.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_short_lines_are_left_alone():
    assert ical.fold("VERSION:2.0") == "VERSION:2.0"


def test_times_are_utc_and_naive_times_are_refused():
    assert ical.format_utc(datetime(2026, 10, 15, 14, 30, tzinfo=SH)) == "20261015T063000Z"
    with pytest.raises(ValueError):
        ical.format_utc(datetime(2026, 10, 15, 14, 30))  # noqa: DTZ001 - the point of the test


def test_a_calendar_uses_crlf_everywhere():
    text = ical.calendar(
        name="Test",
        events=[
            ical.Event(
                uid="u1@test",
                dtstamp=datetime(2026, 9, 1, tzinfo=UTC),
                summary="Two\nlines",
                start=date(2026, 10, 9),
            )
        ],
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "DTSTART;VALUE=DATE:20261009\r\nDTEND;VALUE=DATE:20261010\r\n" in text
    assert "SUMMARY:Two\\nlines\r\n" in text


# --- The feed -----------------------------------------------------------------------------


@pytest.fixture
def world(roundtable, dept_a, dept_c, liaison_a, issue_x):
    with time_machine.travel(NOW, tick=False):
        ours = make_meeting(
            roundtable,
            topic="Digital trade; customs, and data 数字经济与跨境贸易便利化圆桌会议（第三季度）",
            starts_at=datetime(2026, 10, 15, 14, 30, tzinfo=SH),
            ends_at=datetime(2026, 10, 15, 17, 0, tzinfo=SH),
            venue="Room 1, District Hall; 2nd floor",
            departments=[dept_a],
        )
        theirs = make_meeting(
            roundtable,
            topic="C only",
            starts_at=datetime(2026, 10, 16, 9, 0, tzinfo=SH),
            departments=[dept_c],
        )
        Issue.objects.filter(pk=issue_x.pk).update(deadline=date(2026, 10, 9))
        feed = services.feed_token_create(actor=liaison_a)
    return {"ours": ours, "theirs": theirs, "feed": feed, "x": issue_x}


def _get(token):
    with time_machine.travel(NOW, tick=False):
        return Client().get(f"/calendar/{token}.ics")


def _events(text):
    unfolded = text.replace("\r\n ", "")
    return re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S)


@pytest.mark.django_db
def test_the_feed_lists_the_users_meetings_and_deadlines_in_rfc_5545_form(world):
    response = _get(world["feed"].token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = _events(text)
    assert len(events) == 2
    meeting, deadline = events
    assert f"UID:meeting-{world['ours'].pk}@" in meeting
    assert "DTSTART:20261015T063000Z\r\n" in meeting and "DTEND:20261015T090000Z\r\n" in meeting
    assert re.search(r"DTSTAMP:\d{8}T\d{6}Z\r\n", meeting)
    assert "LOCATION:Room 1\\, District Hall\\; 2nd floor\r\n" in meeting
    assert "SUMMARY:Digital trade\\; customs\\, and data 数字经济" in meeting
    assert f"URL:http://127.0.0.1:8000/meetings/{world['ours'].pk}/" in meeting
    assert "STATUS:CONFIRMED" in meeting
    assert f"UID:issue-{world['x'].pk}-deadline@" in deadline
    assert "DTSTART;VALUE=DATE:20261009\r\nDTEND;VALUE=DATE:20261010\r\n" in deadline
    assert world["x"].reference in deadline
    assert "C only" not in text


@pytest.mark.django_db
def test_uids_stay_the_same_when_a_meeting_changes(world, staff):
    first = _events(_get(world["feed"].token).content.decode())
    with time_machine.travel(datetime(2026, 9, 30, 11, 0, tzinfo=SH), tick=False):
        services.meeting_update(actor=staff, meeting=world["ours"], venue="Room 2")
    second = _events(_get(world["feed"].token).content.decode())
    uid = re.compile(r"UID:(\S+)\r\n")
    assert [uid.search(e)[1] for e in first] == [uid.search(e)[1] for e in second]
    assert "LOCATION:Room 2" in second[0]
    assert "DTSTAMP:20260930T030000Z" in second[0]


@pytest.mark.django_db
def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(world, staff):
    with time_machine.travel(NOW, tick=False):
        services.meeting_cancel(actor=staff, meeting=world["ours"], reason="Typhoon")
    meeting = _events(_get(world["feed"].token).content.decode())[0]
    assert "STATUS:CANCELLED" in meeting


@pytest.mark.django_db
def test_closed_and_concluded_issues_leave_the_feed(world):
    Issue.objects.filter(pk=world["x"].pk).update(status=Issue.Status.CONCLUSION_REPORTED)
    assert world["x"].reference not in _get(world["feed"].token).content.decode()


@pytest.mark.django_db
def test_the_monitor_gets_the_deadlines_they_watch(world, monitor):
    with time_machine.travel(NOW, tick=False):
        feed = services.feed_token_create(actor=monitor)
    text = _get(feed.token).content.decode()
    assert world["x"].reference in text
    assert "Digital trade" not in text  # the monitor takes no part in the meeting


@pytest.mark.django_db
def test_another_departments_liaison_gets_neither(world, liaison_c):
    with time_machine.travel(NOW, tick=False):
        feed = services.feed_token_create(actor=liaison_c)
    text = _get(feed.token).content.decode()
    assert "C only" in text
    assert world["x"].reference not in text and "Digital trade" not in text


@pytest.mark.django_db
def test_revoking_the_token_ends_the_feed_at_once(client, world, liaison_a):
    client.force_login(liaison_a)
    page = client.get("/calendar/").content.decode()
    assert world["feed"].token in page
    assert client.post("/calendar/", {"action": "revoke"}).status_code == 302
    assert _get(world["feed"].token).status_code == 404
    assert world["feed"].token not in client.get("/calendar/").content.decode()
    client.post("/calendar/", {"action": "create"})
    new = CalendarFeed.objects.get(user=liaison_a)
    assert new.token != world["feed"].token and len(new.token) == 43
    assert _get(new.token).status_code == 200
    assert _get(world["feed"].token).status_code == 404


@pytest.mark.django_db
def test_a_new_address_replaces_the_old_one(world, liaison_a):
    old = world["feed"].token
    services.feed_token_create(actor=liaison_a)
    assert _get(old).status_code == 404


@pytest.mark.django_db
def test_a_deactivated_users_feed_stops(world, liaison_a):
    liaison_a.is_active = False
    liaison_a.save()
    assert _get(world["feed"].token).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["A" * 43, "short", "A" * 44, "../../etc/passwd"])
def test_unknown_or_malformed_tokens_are_404(world, token):
    assert _get(token).status_code == 404


@pytest.mark.django_db
def test_tokens_carry_at_least_128_bits(liaison_a, liaison_b):
    tokens = {services.feed_token_create(actor=u).token for u in (liaison_a, liaison_b)}
    assert len(tokens) == 2
    # 43 URL-safe base64 characters: 6 bits each, 256 bits in all.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)


@pytest.mark.django_db
def test_the_settings_page_needs_a_sign_in(client):
    assert client.get("/calendar/").status_code == 302


@pytest.mark.django_db
def test_meetings_the_user_attends_in_person_are_listed(roundtable, monitor):
    with time_machine.travel(NOW, tick=False):
        make_meeting(
            roundtable, topic="Invited in person", users=[monitor], starts_at=NOW,
            status=Meeting.Status.PLANNED,
        )  # fmt: skip
        feed = services.feed_token_create(actor=monitor)
    assert "Invited in person" in _get(feed.token).content.decode()
