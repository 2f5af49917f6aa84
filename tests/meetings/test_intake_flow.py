"""Intake → advance consultation → agenda → attendance → agreed point → ledger issue, and the
meeting's list (清单) with each entry's live progress, per role."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from issues import services as issue_services
from issues.models import Assignment, Issue
from roundtable.meetings import services
from roundtable.meetings.models import IntakeConsultation, IntakeItem, Meeting
from tests import factories
from tests.meetings.helpers import make_item, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(roundtable, dept_a, dept_c, enterprise_1, enterprise_2):
    return make_meeting(
        roundtable,
        starts_at=timezone.now() - timedelta(hours=2),
        departments=[dept_a, dept_c],
        enterprises=[enterprise_1, enterprise_2],
    )


@pytest.fixture
def category(db):
    return factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")


def test_the_whole_chain_from_intake_to_the_ledger(
    client, meeting, staff, liaison_b, monitor, dept_a, dept_b, enterprise_1, enterprise_2, category
):
    client.force_login(staff)
    url = f"/meetings/{meeting.pk}"
    assert client.post(f"{url}/intake/open/", {"closes_on": ""}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.INTAKE_OPEN

    for enterprise, text in [(enterprise_1, "Warehouse permit 仓库用地"), (enterprise_2, "Visas")]:
        response = client.post(
            f"{url}/intake/new/",
            {"enterprise": enterprise.pk, "text": text, "category": category.pk,
             "departments": [dept_a.pk]},
        )  # fmt: skip
        assert response.status_code == 302
    permit, visas = IntakeItem.objects.order_by("pk")
    assert permit.recorded_by == staff and list(permit.departments.all()) == [dept_a]

    # Advance consultation: B is asked, B's liaison replies in the portal.
    response = client.post(
        f"{url}/intake/{permit.pk}/consult/", {"department": dept_b.pk, "question": "Timeline?"}
    )
    assert response.status_code == 302
    consultation = IntakeConsultation.objects.get()
    permit.refresh_from_db()
    assert permit.status == IntakeItem.Status.IN_CONSULTATION
    b = Client()
    b.force_login(liaison_b)
    assert b.get(f"{url}/").status_code == 200  # consulted: B now sees the meeting
    response = b.post(
        f"{url}/consultations/{consultation.pk}/reply/", {"reply": "Two weeks after filing."}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.reply == "Two weeks after filing."
    assert consultation.replied_by == liaison_b and consultation.replied_at

    # The agenda: visas first, then the permit.
    response = client.post(
        f"{url}/agenda/", {"item": [permit.pk, visas.pk], "position": ["2", "1"]}
    )
    assert response.status_code == 302
    permit.refresh_from_db()
    visas.refresh_from_db()
    assert (visas.agenda_order, permit.agenda_order) == (1, 2)
    assert permit.status == visas.status == IntakeItem.Status.ON_AGENDA

    # Holding it: attendance.
    dept_a_seat = meeting.participants.get(department=dept_a)
    e1_seat = meeting.participants.get(enterprise=enterprise_1)
    response = client.post(f"{url}/attendance/", {"attended": [dept_a_seat.pk, e1_seat.pk]})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert {p.pk: p.attended for p in meeting.participants.all()} == {
        p.pk: p.pk in (dept_a_seat.pk, e1_seat.pk) for p in meeting.participants.all()
    }

    # An agreed point becomes a ledger issue in one step.
    deadline = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"{url}/points/new/",
        {
            "title": "Issue the warehouse permit",
            "enterprise": enterprise_1.pk,
            "other_enterprises": [enterprise_2.pk],
            "category": category.pk,
            "lead_department": dept_a.pk,
            "co_departments": [dept_b.pk],
            "deadline": deadline.isoformat(),
            "follow_up_requirement": "Report weekly.",
            "monitor": monitor.pk,
            "priority": "high",
            "intake_item": permit.pk,
        },
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert issue.meeting == meeting and issue.source == Issue.Source.MEETING
    assert issue.status == Issue.Status.ASSIGNED and issue.deadline == deadline
    assert issue.monitor == monitor and issue.follow_up_requirement == "Report weekly."
    assert list(issue.other_enterprises.all()) == [enterprise_2]
    assert issue.raised_on == timezone.localtime(meeting.starts_at).date()
    roles = {a.department_id: a.role for a in issue.assignments.current()}
    assert roles == {dept_a.pk: Assignment.Role.LEAD, dept_b.pk: Assignment.Role.CO_HANDLING}
    permit.refresh_from_db()
    assert permit.issue == issue

    # The meeting's list shows it with its live state.
    body = client.get(f"{url}/").content.decode()
    listing = body[body.index('id="meeting-issues"') :]
    assert issue.reference in listing and "Assigned, awaiting acceptance" in listing
    assert "Report weekly." in listing


def test_live_progress_appears_on_the_meetings_list(
    client, meeting, staff, liaison_a, dept_a, enterprise_1, category
):
    meeting.status = Meeting.Status.HELD
    meeting.save()
    issue = services.agreed_point_to_issue(
        actor=staff,
        meeting=meeting,
        title="Parking for deliveries",
        enterprise=enterprise_1,
        category=category,
        lead_department=dept_a,
        deadline=timezone.localdate() + timedelta(days=10),
    )
    issue_services.assignment_accept(actor=liaison_a, assignment=issue.assignments.get())
    issue_services.issue_post_progress(actor=liaison_a, issue=issue, body="Site visit on Monday.")
    client.force_login(staff)
    listing = client.get(f"/meetings/{meeting.pk}/").content.decode()
    listing = listing[listing.index('id="meeting-issues"') :]
    assert "In progress" in listing and "Site visit on Monday." in listing


def test_concerns_are_recorded_only_while_intake_is_open(meeting, staff, enterprise_1):
    with pytest.raises(services.MeetingRefused):
        services.intake_item_record(actor=staff, meeting=meeting, enterprise=enterprise_1, text="x")


def test_agreed_points_come_from_a_held_meeting(meeting, staff, enterprise_1, dept_a, category):
    with pytest.raises(services.MeetingRefused):
        services.agreed_point_to_issue(
            actor=staff,
            meeting=meeting,
            title="Too early",
            enterprise=enterprise_1,
            category=category,
            lead_department=dept_a,
            deadline=timezone.localdate() + timedelta(days=10),
        )
    assert not Issue.objects.exists()


def test_a_deadline_before_the_meeting_is_refused_and_the_text_kept(
    client, meeting, staff, enterprise_1, dept_a, category
):
    meeting.status = Meeting.Status.HELD
    meeting.save()
    client.force_login(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/points/new/",
        {
            "title": "Point typed carefully",
            "enterprise": enterprise_1.pk,
            "category": category.pk,
            "lead_department": dept_a.pk,
            "deadline": "2020-01-01",
            "priority": "normal",
        },
    )
    assert response.status_code == 400
    assert "Point typed carefully" in response.content.decode()
    assert not Issue.objects.exists()


def test_attendance_is_not_recorded_before_the_meeting_day(roundtable, staff, dept_a):
    later = make_meeting(
        roundtable, starts_at=timezone.now() + timedelta(days=3), departments=[dept_a]
    )
    with pytest.raises(services.MeetingRefused):
        services.meeting_record_attendance(actor=staff, meeting=later, present=[])


def test_settled_items_cannot_go_on_the_agenda(meeting, staff, enterprise_1, dept_b):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    settled = make_item(meeting, enterprise_1, text="Already solved")
    services.intake_item_set_status(actor=staff, item=settled, status=IntakeItem.Status.SETTLED)
    with pytest.raises(services.MeetingRefused):
        services.agenda_set(actor=staff, meeting=meeting, items=[settled])
    # An item taken off the agenda goes back to where it was.
    consulted = make_item(meeting, enterprise_1, consult=[dept_b])
    plain = make_item(meeting, enterprise_1)
    services.agenda_set(actor=staff, meeting=meeting, items=[consulted, plain])
    services.agenda_set(actor=staff, meeting=meeting, items=[])
    consulted.refresh_from_db()
    plain.refresh_from_db()
    assert consulted.status == IntakeItem.Status.IN_CONSULTATION and consulted.agenda_order is None
    assert plain.status == IntakeItem.Status.OPEN


def test_an_item_of_another_meeting_cannot_go_on_the_agenda(
    roundtable, meeting, staff, enterprise_1
):
    other = make_meeting(roundtable, status=Meeting.Status.INTAKE_OPEN)
    item = make_item(other, enterprise_1)
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    with pytest.raises(services.MeetingRefused):
        services.agenda_set(actor=staff, meeting=meeting, items=[item])


def test_the_agenda_form_keeps_a_bad_position(client, meeting, staff, enterprise_1):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    item = make_item(meeting, enterprise_1)
    client.force_login(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/agenda/", {"item": [item.pk], "position": ["x1"]}
    )
    assert response.status_code == 400
    assert 'value="x1"' in response.content.decode()


def test_a_consultation_is_sent_once_per_department(meeting, staff, enterprise_1, dept_b):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    item = make_item(meeting, enterprise_1, consult=[dept_b])
    with pytest.raises(services.MeetingRefused):
        services.intake_consult(actor=staff, item=item, department=dept_b)


# --- Per role -----------------------------------------------------------------------------


@pytest.fixture
def held(meeting, staff, enterprise_1, dept_a, dept_b, category):
    """The meeting held, with one issue led by A (co-handled by B) and one led by C."""
    meeting.status = Meeting.Status.HELD
    meeting.save()
    day = timezone.localdate() + timedelta(days=20)
    for_a = services.agreed_point_to_issue(
        actor=staff, meeting=meeting, title="For A", enterprise=enterprise_1, category=category,
        lead_department=dept_a, co_departments=[dept_b], deadline=day,
    )  # fmt: skip
    c = meeting.participants.get(department__code="dept-c").department
    for_c = services.agreed_point_to_issue(
        actor=staff, meeting=meeting, title="For C", enterprise=enterprise_1, category=category,
        lead_department=c, deadline=day,
    )  # fmt: skip
    return for_a, for_c


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("liaison_a", {"For A"}),
        ("head_a", {"For A"}),
        ("liaison_c", {"For C"}),
        ("staff", {"For A", "For C"}),
        ("chair", {"For A", "For C"}),
    ],
)
def test_the_list_shows_only_issues_the_user_may_read(who, sees, request, client, held):
    client.force_login(request.getfixturevalue(who))
    body = client.get(f"/meetings/{held[0].meeting_id}/").content.decode()
    listing = body[body.index('id="meeting-issues"') :]
    for issue in held:
        assert (issue.reference in listing) == (issue.title in sees), (who, issue.title)


def test_the_export_has_the_same_rows_as_the_list(client, held, liaison_c, staff):
    for user, expected in [(staff, 2), (liaison_c, 1)]:
        client.force_login(user)
        response = client.get(f"/meetings/{held[0].meeting_id}/list.xlsx")
        assert response.status_code == 200
        assert "attachment;" in response["Content-Disposition"]
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        assert len(rows) - 1 == expected
        refs = {r[0] for r in rows[1:]}
        if user == liaison_c:
            assert refs == {held[1].reference}


def test_a_department_sees_agenda_items_and_its_own_concerns_only(
    client, meeting, staff, liaison_c, dept_a, dept_c, enterprise_1
):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    make_item(meeting, enterprise_1, text="Only for A", departments=[dept_a])
    make_item(meeting, enterprise_1, text="Concerns C", departments=[dept_c])
    on_agenda = make_item(meeting, enterprise_1, text="On the agenda", departments=[dept_a])
    services.agenda_set(actor=staff, meeting=meeting, items=[on_agenda])
    client.force_login(liaison_c)
    body = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Concerns C" in body and "On the agenda" in body
    assert "Only for A" not in body


def test_only_the_consulted_department_or_staff_reply(
    client, meeting, liaison_a, chair, enterprise_1, dept_a, dept_b
):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    item = make_item(meeting, enterprise_1, departments=[dept_a], consult=[dept_b])
    consultation = item.consultations.get()
    for user in (liaison_a, chair):
        client.force_login(user)
        url = f"/meetings/{meeting.pk}/consultations/{consultation.pk}/reply/"
        assert client.post(url, {"reply": "Not ours"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.reply == ""


@pytest.mark.parametrize("who", ["liaison_a", "head_a", "chair"])
def test_those_who_read_a_meeting_cannot_change_it(who, request, client, meeting, enterprise_1):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    item = make_item(meeting, enterprise_1)
    client.force_login(request.getfixturevalue(who))
    url = f"/meetings/{meeting.pk}"
    assert client.get(f"{url}/").status_code == 200
    for path, data in [
        ("intake/new/", {"enterprise": enterprise_1.pk, "text": "x"}),
        (f"intake/{item.pk}/status/", {"status": "settled"}),
        (
            f"intake/{item.pk}/consult/",
            {"department": item.meeting.participants.first().department_id},
        ),
        ("agenda/", {"item": item.pk, "position": "1"}),
        ("attendance/", {}),
        ("minutes/", {"minutes": "x"}),
        ("points/new/", {"title": "x"}),
    ]:
        assert client.post(f"{url}/{path}", data).status_code == 403, path
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.OPEN and IntakeItem.objects.count() == 1


def test_state_changing_urls_refuse_get(client, meeting, staff, enterprise_1):
    item = make_item(meeting, enterprise_1)
    client.force_login(staff)
    assert client.get(f"/meetings/{meeting.pk}/intake/{item.pk}/status/").status_code == 405


def test_a_post_without_csrf_token_is_refused(meeting, staff, enterprise_1):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/intake/new/", {"enterprise": enterprise_1.pk, "text": "x"}
    )
    assert response.status_code == 403
    assert not IntakeItem.objects.exists()


def test_hostile_text_is_shown_as_text(client, meeting, staff, enterprise_1):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.topic = '"><img src=x onerror=alert(1)>'
    meeting.save()
    make_item(meeting, enterprise_1, text="<script>alert(1)</script>")
    client.force_login(staff)
    body = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<img src=x" not in body


def test_minutes_are_published_once_held(client, meeting, staff):
    client.force_login(staff)
    url = f"/meetings/{meeting.pk}/minutes/"
    response = client.post(url, {"minutes": "Kept when refused", "publish": "on"})
    assert response.status_code == 400 and "Kept when refused" in response.content.decode()
    meeting.status = Meeting.Status.HELD
    meeting.save()
    assert (
        client.post(url, {"minutes": "Agreed: three points.", "publish": "on"}).status_code == 302
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.MINUTES_PUBLISHED and meeting.minutes_published_at
    first = meeting.minutes_published_at
    client.post(url, {"minutes": "Corrected.", "publish": "on"})
    meeting.refresh_from_db()
    assert meeting.minutes == "Corrected." and meeting.minutes_published_at == first
    assert meeting.history.filter(minutes="Agreed: three points.").exists()


# --- Query counts -------------------------------------------------------------------------


def _add_issues(meeting, n, enterprise, dept_a, dept_b, category):
    for i in range(n):
        issue = factories.IssueFactory(
            title=f"Point {i}", meeting=meeting, enterprise=enterprise, category=category,
            status="in_progress", deadline=timezone.localdate() + timedelta(days=i % 9 - 3),
        )  # fmt: skip
        factories.AssignmentFactory(issue=issue, department=dept_a, role="lead")
        factories.AssignmentFactory(issue=issue, department=dept_b, role="co")


@pytest.mark.parametrize("who", ["staff", "liaison_a"])
def test_the_meeting_page_query_count_does_not_grow_with_its_list(
    who, request, client, meeting, enterprise_1, dept_a, dept_b, category
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    _add_issues(meeting, 5, enterprise_1, dept_a, dept_b, category)
    make_item(meeting, enterprise_1, departments=[dept_a], consult=[dept_b])
    client.get(f"/meetings/{meeting.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(f"/meetings/{meeting.pk}/")
    _add_issues(meeting, 95, enterprise_1, dept_a, dept_b, category)
    for _ in range(5):
        make_item(meeting, enterprise_1, departments=[dept_a], consult=[dept_b])
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"/meetings/{meeting.pk}/")
    assert response.content.decode().count('href="/issues/') >= 100
    assert len(large.captured_queries) == len(small.captured_queries) <= 14


def test_an_overlong_concern_is_refused_and_kept(client, meeting, staff, enterprise_1):
    meeting.status = Meeting.Status.INTAKE_OPEN
    meeting.save()
    client.force_login(staff)
    text = "长" * 6000
    response = client.post(
        f"/meetings/{meeting.pk}/intake/new/", {"enterprise": enterprise_1.pk, "text": text}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 5000 characters" in body and text in body
    assert not IntakeItem.objects.exists()
