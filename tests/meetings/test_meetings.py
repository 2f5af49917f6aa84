"""Planning meetings and who sees them: commerce staff plan and edit; liaisons see the
meetings their department takes part in; the chair sees all."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from roundtable.meetings import services
from roundtable.meetings.models import Meeting, MeetingParticipant
from tests import factories
from tests.meetings.helpers import make_item, make_meeting

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(roundtable, dept_a, dept_b, dept_c, enterprise_1, monitor):
    """One meeting per way of taking part."""
    soon = timezone.now() + timedelta(days=3)
    return {
        "a": make_meeting(roundtable, topic="A takes part", departments=[dept_a], starts_at=soon),
        "c": make_meeting(roundtable, topic="C takes part", departments=[dept_c], starts_at=soon),
        "b_consulted": _consulted(roundtable, dept_b, enterprise_1, soon),
        "person": make_meeting(
            roundtable, topic="Monitor invited", users=[monitor], starts_at=soon
        ),
        "none": make_meeting(
            roundtable, topic="Staff only", enterprises=[enterprise_1], starts_at=soon
        ),
    }


def _consulted(roundtable, dept, enterprise, when):
    meeting = make_meeting(
        roundtable, topic="B consulted", starts_at=when, status=Meeting.Status.INTAKE_OPEN
    )
    make_item(meeting, enterprise, consult=[dept])
    return meeting


VISIBLE = {
    "liaison_a": {"a"},
    "head_a": {"a"},
    "liaison_b": {"b_consulted"},
    "liaison_c": {"c"},
    "monitor": {"person"},
    "staff": {"a", "c", "b_consulted", "person", "none"},
    "chair": {"a", "c", "b_consulted", "person", "none"},
    "admin_user": set(),
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_each_role_sees_exactly_its_meetings(who, request, client, meetings):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert set(Meeting.objects.visible_to(user).values_list("topic", flat=True)) == {
        meetings[k].topic for k in VISIBLE[who]
    }
    page = client.get("/meetings/?view=quarter&quarter=" + _quarter(meetings["a"]))
    body = page.content.decode()
    for key, meeting in meetings.items():
        assert (meeting.topic in body) == (key in VISIBLE[who]), (who, key)
        expected = 200 if key in VISIBLE[who] else 404
        assert client.get(f"/meetings/{meeting.pk}/").status_code == expected, (who, key)


def _quarter(meeting):
    local = timezone.localtime(meeting.starts_at)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def test_a_former_department_member_loses_sight_of_its_meetings(client, meetings, liaison_a):
    liaison_a.department_memberships.update(ended_on=timezone.localdate() - timedelta(days=1))
    client.force_login(liaison_a)
    assert client.get(f"/meetings/{meetings['a'].pk}/").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999999999"])
def test_malformed_ids_are_404_never_500(bad, client, staff):
    client.force_login(staff)
    assert client.get(f"/meetings/{bad}/").status_code == 404


def test_staff_plan_a_meeting_with_every_kind_of_participant(
    client, roundtable, staff, enterprise_1, dept_a, monitor
):
    from roundtable.enterprises.models import Association

    chamber = Association.objects.create(name_zh="德国商会", kind="chamber", country="DE")
    client.force_login(staff)
    response = client.post(
        "/meetings/new/",
        {
            "kind": "roundtable",
            "topic": "Manufacturing and supply chains",
            "business_fields": "制造业、物流",
            "countries": "德国、日本",
            "form": "hybrid",
            "venue": "Meeting room 1",
            "starts_at": "2026-12-15T14:30",
            "ends_at": "2026-12-15T17:00",
            "intake_closes_on": "2026-12-01",
            "enterprises": [enterprise_1.pk],
            "associations": [chamber.pk],
            "departments": [dept_a.pk],
            "users": [monitor.pk],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(topic="Manufacturing and supply chains")
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.roundtable == roundtable
    assert timezone.localtime(meeting.starts_at) == datetime(2026, 12, 15, 14, 30, tzinfo=SH)
    assert meeting.participants.count() == 4
    assert meeting.history.first().history_user == staff
    assert meeting.history.first().history_change_reason == "planned"


def test_a_form_error_keeps_what_was_typed(client, roundtable, staff):
    client.force_login(staff)
    response = client.post(
        "/meetings/new/",
        {
            "kind": "on_spot",
            "topic": "Loading bays 装卸货",
            "form": "in_person",
            "starts_at": "2026-12-15T14:30",
            "ends_at": "2026-12-15T10:00",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot end before it starts" in body
    assert "Loading bays 装卸货" in body
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["chair", "liaison_a", "head_a", "monitor", "admin_user"])
def test_only_staff_plan_meetings(who, request, client, roundtable):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/meetings/new/").status_code == 403
    response = client.post(
        "/meetings/new/",
        {"kind": "on_spot", "topic": "x", "form": "in_person", "starts_at": "2026-12-15T14:30"},
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_editing_participants_keeps_the_attendance_of_those_who_stay(
    roundtable, staff, dept_a, dept_b, enterprise_1
):
    meeting = make_meeting(roundtable, departments=[dept_a], enterprises=[enterprise_1])
    MeetingParticipant.objects.filter(meeting=meeting, department=dept_a).update(attended=True)
    services.meeting_update(
        actor=staff, meeting=meeting, departments=[dept_a, dept_b], enterprises=[], topic="New"
    )
    rows = {(p.department_id, p.enterprise_id): p.attended for p in meeting.participants.all()}
    assert rows == {(dept_a.pk, None): True, (dept_b.pk, None): None}
    meeting.refresh_from_db()
    assert meeting.topic == "New"


def test_a_cancelled_meeting_stays_as_it_was(client, roundtable, staff):
    meeting = make_meeting(roundtable, starts_at=timezone.now() + timedelta(days=5))
    client.force_login(staff)
    assert client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "Typhoon"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.cancel_reason == "Typhoon"
    with pytest.raises(services.MeetingRefused):
        services.meeting_update(actor=staff, meeting=meeting, topic="Renamed")
    with pytest.raises(services.MeetingRefused):
        services.meeting_cancel(actor=staff, meeting=meeting, reason="again")


def test_the_chair_reads_but_cannot_change_a_meeting(client, roundtable, chair):
    meeting = make_meeting(roundtable)
    client.force_login(chair)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "x"}).status_code == 403


# --- The calendar -------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SH), tick=False)
def test_the_calendar_flags_quarters_without_a_roundtable(client, roundtable, staff):
    make_meeting(roundtable, starts_at=datetime(2026, 2, 10, 14, 0, tzinfo=SH))
    make_meeting(roundtable, starts_at=datetime(2026, 8, 10, 14, 0, tzinfo=SH))
    # A cancelled roundtable and an on-spot meeting do not count.
    make_meeting(roundtable, starts_at=datetime(2026, 5, 28, 14, 0, tzinfo=SH), status="cancelled")
    make_meeting(roundtable, kind="on_spot", starts_at=datetime(2026, 11, 3, 14, 0, tzinfo=SH))
    client.force_login(staff)
    body = client.get("/meetings/").content.decode()
    quarters = body[body.index('id="quarters"') : body.index("</ul>", body.index('id="quarters"'))]
    q = {n: quarters[quarters.index(f'id="quarter-{n}"') :][:600] for n in range(1, 5)}
    assert "1 roundtable" in q[1] and "flagged" not in q[1][:60]
    assert "No roundtable planned" in q[2]  # the current quarter: its only one was cancelled
    assert "1 roundtable" in q[3]
    assert "No roundtable planned" in q[4]


def test_liaisons_do_not_get_the_planning_flags(client, meetings, liaison_a):
    client.force_login(liaison_a)
    assert 'id="quarters"' not in client.get("/meetings/").content.decode()


@time_machine.travel(datetime(2026, 10, 8, 10, 0, tzinfo=SH), tick=False)
def test_the_month_view_places_meetings_on_their_local_day(client, roundtable, staff):
    # 00:30 in Shanghai on 9 October is still 8 October in UTC.
    make_meeting(roundtable, topic="Early call", starts_at=datetime(2026, 10, 9, 0, 30, tzinfo=SH))
    client.force_login(staff)
    body = client.get("/meetings/?month=2026-10").content.decode()
    cell_start = body.index('<span class="day-number">9</span>')
    cell = body[cell_start : body.index("</td>", cell_start)]
    assert "Early call" in cell and "00:30" in cell
    # National Day week is shaded as days off.
    assert body.count(' off"') + body.count(" off ") >= 7


@pytest.mark.parametrize(
    "query",
    [
        "?month=2026-13",
        "?month=abc",
        "?view=quarter&quarter=2026-Q9",
        "?view=quarter&quarter=0001-Q1",
        "?month=9999-01",
        "?kind=nonsense",
        "?_connector=OR&_negated=1",
    ],
)
def test_odd_calendar_parameters_fall_back_to_this_month(query, client, staff, roundtable):
    client.force_login(staff)
    assert client.get("/meetings/" + query).status_code == 200


def test_each_reader_sees_how_many_of_a_meetings_issues_they_may_read(
    client, roundtable, dept_a, dept_c, liaison_a, staff
):
    meeting = make_meeting(roundtable, departments=[dept_a], starts_at=timezone.now())
    for dept in (dept_a, dept_c):
        issue = factories.IssueFactory(meeting=meeting)
        factories.AssignmentFactory(issue=issue, department=dept, role="lead")
    for user, count in ((staff, 2), (liaison_a, 1)):
        client.force_login(user)
        response = client.get("/meetings/")
        assert '<th scope="col">Issues</th>' in response.content.decode()
        [listed] = response.context["meetings"]
        assert listed.issue_count == count, user.username


def test_the_calendar_query_count_does_not_grow_with_meetings(
    client, roundtable, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    # One meeting to start from: a calendar that lists none skips counting their issues.
    make_meeting(roundtable, topic="M", starts_at=timezone.now())
    client.get("/meetings/")
    with django_assert_max_num_queries(10) as few:
        client.get("/meetings/")
    for n in range(40):
        make_meeting(roundtable, topic=f"M{n}", starts_at=timezone.now() + timedelta(hours=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/meetings/?view=quarter")


@pytest.mark.parametrize("starts", ["2026-02-30T10:00", "0001-01-01T00:00", "9999-12-31T23:59"])
def test_impossible_or_implausible_dates_are_refused_and_kept(starts, client, roundtable, staff):
    client.force_login(staff)
    response = client.post(
        "/meetings/new/",
        {"kind": "on_spot", "topic": "Typed topic", "form": "in_person", "starts_at": starts},
    )
    assert response.status_code == 400
    assert "Typed topic" in response.content.decode()
    assert not Meeting.objects.exists()
