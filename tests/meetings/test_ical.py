"""The private iCalendar feed: RFC 5545 form, what it lists for whom (the ledger's scope, every
open deadline in it), HEAD, and its token's revocation. Feeds are read back with two
independent parsers, icalendar and vobject."""

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
import vobject
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from issues import services as issue_services
from issues.models import Assignment, Issue
from issues.references import format_reference
from roundtable.meetings import ical, services
from roundtable.meetings.models import CalendarFeed, Meeting, MeetingParticipant
from tests import factories
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


def test_the_time_zone_component_names_a_fixed_offset_zone_or_falls_back_to_utc():
    shanghai = ical.timezone_lines("Asia/Shanghai", year=2026)
    assert "TZID:Asia/Shanghai" in shanghai and "TZOFFSETTO:+0800" in shanghai
    # A zone with summer time would need its rules; the feed's times are UTC anyway.
    berlin = ical.timezone_lines("Europe/Berlin", year=2026)
    assert "TZID:UTC" in berlin and "TZOFFSETTO:+0000" in berlin
    assert "TZOFFSETTO:+0530" in ical.timezone_lines("Asia/Kolkata", year=2026)


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
    """The feed's response, its streamed body read into ``text``."""
    with time_machine.travel(NOW, tick=False):
        response = Client().get(f"/calendar/{token}.ics")
        response.body_text = (
            b"".join(response.streaming_content).decode("utf-8")
            if response.streaming
            else response.content.decode("utf-8")
        )
    return response


def _events(text):
    unfolded = text.replace("\r\n ", "")
    return re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S)


@pytest.mark.django_db
def test_the_feed_lists_the_users_meetings_and_deadlines_in_rfc_5545_form(world):
    response = _get(world["feed"].token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.body_text
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
    first = _events(_get(world["feed"].token).body_text)
    with time_machine.travel(datetime(2026, 9, 30, 11, 0, tzinfo=SH), tick=False):
        services.meeting_update(actor=staff, meeting=world["ours"], venue="Room 2")
    second = _events(_get(world["feed"].token).body_text)
    uid = re.compile(r"UID:(\S+)\r\n")
    assert [uid.search(e)[1] for e in first] == [uid.search(e)[1] for e in second]
    assert "LOCATION:Room 2" in second[0]
    assert "DTSTAMP:20260930T030000Z" in second[0]


@pytest.mark.django_db
def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(world, staff):
    with time_machine.travel(NOW, tick=False):
        services.meeting_cancel(actor=staff, meeting=world["ours"], reason="Typhoon")
    meeting = _events(_get(world["feed"].token).body_text)[0]
    assert "STATUS:CANCELLED" in meeting


@pytest.mark.django_db
def test_closed_and_concluded_issues_leave_the_feed(world):
    Issue.objects.filter(pk=world["x"].pk).update(status=Issue.Status.CONCLUSION_REPORTED)
    assert world["x"].reference not in _get(world["feed"].token).body_text


@pytest.mark.django_db
def test_the_monitor_gets_the_deadlines_they_watch(world, monitor):
    with time_machine.travel(NOW, tick=False):
        feed = services.feed_token_create(actor=monitor)
    text = _get(feed.token).body_text
    assert world["x"].reference in text
    assert "Digital trade" not in text  # the monitor takes no part in the meeting


@pytest.mark.django_db
def test_another_departments_liaison_gets_neither(world, liaison_c):
    with time_machine.travel(NOW, tick=False):
        feed = services.feed_token_create(actor=liaison_c)
    text = _get(feed.token).body_text
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
    assert "Invited in person" in _get(feed.token).body_text


# --- Parsers, scope, every deadline, HEAD (issue 12) ---------------------------------------

_sequences = itertools.count(60000)
DEADLINE_UID = re.compile(r"^issue-(\d+)-deadline@")
ACTIVE = "?status=logged&status=assigned&status=returned&status=in_progress"


def _bulk_issues(count, *, lead, co=None, first_deadline=date(2026, 10, 9), **fields):
    """``count`` issues led by ``lead`` (and co-handled by ``co``), written in bulk, with
    deadlines one day apart from ``first_deadline`` (None: no deadline). Returns their ids."""
    enterprise = factories.EnterpriseFactory()
    category = factories.CategoryFactory()
    fields.setdefault("status", Issue.Status.IN_PROGRESS)
    rows = []
    for i in range(count):
        seq = next(_sequences)
        rows.append(
            Issue(
                reference=format_reference(2026, seq),
                year=2026,
                sequence=seq,
                title=f"Bulk issue {seq}",
                enterprise=enterprise,
                category=category,
                source=Issue.Source.HOTLINE,
                raised_on=date(2026, 9, 1),
                deadline=first_deadline + timedelta(days=i) if first_deadline else None,
                **fields,
            )
        )
    ids = [issue.pk for issue in Issue.objects.bulk_create(rows, batch_size=500)]
    assignments = [Assignment(issue_id=pk, department=lead, role="lead") for pk in ids]
    if co is not None:
        assignments += [Assignment(issue_id=pk, department=co, role="co") for pk in ids]
    Assignment.objects.bulk_create(assignments, batch_size=500)
    Issue.objects.filter(pk__in=ids).sync_lead_department()
    return ids


def _feed_of(user):
    with time_machine.travel(NOW, tick=False):
        token = services.feed_token_create(actor=user).token
    return _get(token).body_text


def _deadline_ids(text) -> set[int]:
    """The issues whose deadlines the feed lists, as icalendar reads it; vobject must read
    the same events."""
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert len(list(vobject.readOne(text).contents.get("vevent", []))) == len(events)
    found = [DEADLINE_UID.match(str(e["UID"])) for e in events]
    return {int(m[1]) for m in found if m}


def _ledger_ids(user) -> set[int]:
    """The issues the ledger page lists to ``user`` among the open, unconcluded ones."""
    response = factories.client_as(user).get(f"/issues/{ACTIVE}")
    if response.status_code != 200:
        return set()
    refs = set(re.findall(r"RT-\d{4}-\d{5}", response.content.decode()))
    return set(Issue.objects.filter(reference__in=refs).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_feed_parses_in_icalendar_and_vobject(world):
    text = _get(world["feed"].token).body_text
    parsed = icalendar.Calendar.from_ical(text)
    assert str(parsed["VERSION"]) == "2.0" and "Roundtable" in str(parsed["PRODID"])
    events = parsed.walk("VEVENT")
    assert len(events) == 2
    deadline = next(e for e in events if DEADLINE_UID.match(str(e["UID"])))
    assert deadline.decoded("DTSTART") == date(2026, 10, 9)
    meeting = next(e for e in events if str(e["UID"]).startswith("meeting-"))
    assert meeting.decoded("DTSTART") == datetime(2026, 10, 15, 14, 30, tzinfo=SH)
    assert str(meeting["LOCATION"]) == "Room 1, District Hall; 2nd floor"
    read = vobject.readOne(text)
    read.validate()
    assert sorted(e.uid.value for e in read.vevent_list) == sorted(str(e["UID"]) for e in events)


@pytest.mark.django_db
def test_an_empty_feed_is_still_a_valid_calendar(monitor):
    """RFC 5545 3.6 asks for at least one component: a user with no meeting and no deadline
    gets the calendar's time zone, and no event."""
    text = _feed_of(monitor)
    parsed = icalendar.Calendar.from_ical(text)
    assert parsed.walk("VEVENT") == []
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE"]
    assert str(parsed.walk("VTIMEZONE")[0]["TZID"]) == "Asia/Shanghai"
    read = vobject.readOne(text)
    read.validate()
    assert "vevent" not in read.contents
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


@pytest.mark.django_db
def test_a_liaisons_feed_lists_every_open_deadline_not_the_first_thousand(
    dept_a, dept_b, dept_c, liaison_a
):
    """1,165 open deadlines in department A's scope, the latest ones last: every one is in
    the feed (it used to stop at 1,000, dropping the latest 165)."""
    with time_machine.travel(NOW, tick=False):
        led = _bulk_issues(1100, lead=dept_a)
        co_handled = _bulk_issues(65, lead=dept_b, co=dept_a, first_deadline=date(2029, 10, 9))
        # Not in A's open deadlines: closed, conclusion reported, no deadline, C's own.
        _bulk_issues(3, lead=dept_a, status=Issue.Status.CLOSED, closed_at=NOW)
        _bulk_issues(3, lead=dept_a, status=Issue.Status.CONCLUSION_REPORTED, concluded_on=NOW)
        _bulk_issues(3, lead=dept_a, first_deadline=None)
        _bulk_issues(3, lead=dept_c)
    listed = _deadline_ids(_feed_of(liaison_a))
    assert len(listed) == 1165
    assert listed == set(led) | set(co_handled)
    latest = Issue.objects.filter(pk__in=co_handled).order_by("-deadline").first()
    assert latest.pk in listed and latest.deadline == date(2029, 10, 9) + timedelta(days=64)


def _feed_queries(feed) -> int:
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=None)
    with CaptureQueriesContext(connection) as queries:
        text = _get(feed.token).body_text
    assert text.endswith("END:VCALENDAR\r\n")
    return len(queries)


@pytest.mark.django_db
def test_the_feed_takes_the_same_number_of_queries_for_3_or_1203_deadlines(
    roundtable, dept_a, liaison_a
):
    with time_machine.travel(NOW, tick=False):
        feed = services.feed_token_create(actor=liaison_a)
        _bulk_issues(3, lead=dept_a)
        for day in range(3):
            make_meeting(
                roundtable, starts_at=NOW + timedelta(days=day), departments=[dept_a]
            )  # fmt: skip
    few = _feed_queries(feed)
    with time_machine.travel(NOW, tick=False):
        _bulk_issues(1200, lead=dept_a, first_deadline=date(2027, 1, 4))
        for day in range(3, 40):
            make_meeting(roundtable, starts_at=NOW + timedelta(days=day), departments=[dept_a])
    assert len(_deadline_ids(_get(feed.token).body_text)) == 1203
    assert _feed_queries(feed) == few


@pytest.mark.django_db
def test_meetings_are_not_cut_off_either(roundtable, dept_a, liaison_a):
    """More than the 500 meetings the feed used to stop at, oldest first."""
    with time_machine.travel(NOW, tick=False):
        meetings = Meeting.objects.bulk_create(
            Meeting(
                roundtable=roundtable,
                kind=Meeting.Kind.ON_SPOT,
                topic=f"On-spot {n}",
                starts_at=NOW - timedelta(days=170) + timedelta(hours=12 * n),
                status=Meeting.Status.PLANNED,
            )
            for n in range(520)
        )
        MeetingParticipant.objects.bulk_create(
            MeetingParticipant(meeting=m, department=dept_a) for m in meetings
        )
    events = icalendar.Calendar.from_ical(_feed_of(liaison_a)).walk("VEVENT")
    assert len(events) == 520
    assert any(str(e["SUMMARY"]) == "On-spot 519" for e in events)


@pytest.mark.django_db
def test_head_answers_with_the_feeds_headers_and_no_body(world):
    token = world["feed"].token
    with time_machine.travel(NOW, tick=False):
        response = Client().head(f"/calendar/{token}.ics")
        unknown = Client().head(f"/calendar/{'A' * 43}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-cache"
    assert response.content == b""
    # A HEAD reads no events: it is not recorded as the calendar client's last read.
    assert CalendarFeed.objects.get(pk=world["feed"].pk).last_read_at is None
    assert unknown.status_code == 404


@pytest.mark.django_db
def test_the_feeds_deadlines_are_the_ledgers_open_deadlines_for_every_role(
    personas, dept_a, dept_b, dept_c, issue_x, enterprise_1
):
    """Whoever the owner is, the feed lists the deadlines of exactly the open issues the
    ledger lists them. Commerce staff and the chair's office read the whole ledger, so
    their feed has X although they neither handle nor monitor it; a designated official of
    X's enterprise who is only C's liaison does not get it."""
    with time_machine.travel(NOW, tick=False):
        Issue.objects.filter(pk=issue_x.pk).update(deadline=date(2026, 10, 9))
        theirs = _bulk_issues(2, lead=dept_c)
        enterprise_1.designated_official = personas["LC"]
        enterprise_1.save()
    for persona, user in personas.items():
        listed = _deadline_ids(_feed_of(user))
        assert listed == _ledger_ids(user), persona
        assert (issue_x.pk in listed) == (persona in {"LA", "LB", "HA", "Mo", "St", "Ch"}), persona
        assert set(theirs) <= listed if persona in {"LC", "St", "Ch"} else not set(theirs) & listed


@pytest.mark.django_db
def test_a_reassigned_issue_moves_to_the_new_departments_feed(
    dept_a, dept_c, liaison_a, liaison_c, staff, issue_x
):
    with time_machine.travel(NOW, tick=False):
        Issue.objects.filter(pk=issue_x.pk).update(
            deadline=date(2026, 10, 9), raised_on=date(2026, 9, 1)
        )
        issue_x.refresh_from_db()
        assert issue_x.pk in _deadline_ids(_feed_of(liaison_a))
        issue_services.issue_assign(
            actor=staff, issue=issue_x, lead_department=dept_c, deadline=date(2026, 10, 16)
        )
    assert issue_x.pk not in _deadline_ids(_feed_of(liaison_a))
    assert issue_x.pk in _deadline_ids(_feed_of(liaison_c))
