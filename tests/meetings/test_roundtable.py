"""The roundtable page: who sits at the table, whom to call, who held which seat when; its
membership edited in the portal by administrators and commerce staff."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from departments.models import DepartmentMembership
from roundtable.meetings import services
from roundtable.meetings.models import Roundtable, RoundtableSeat
from tests import factories

Seat = RoundtableSeat.Role
pytestmark = pytest.mark.django_db


@pytest.fixture
def seated(roundtable, dept_a, dept_b, chair, staff, liaison_a, head_a):
    since = date(2024, 1, 1)
    seats = {
        "chair": RoundtableSeat.objects.create(
            roundtable=roundtable, role=Seat.CHAIR, user=chair, started_on=since
        ),
        "deputy": RoundtableSeat.objects.create(
            roundtable=roundtable,
            role=Seat.DEPUTY_CHAIR,
            user=factories.UserFactory(username="deputy", full_name="Deputy Liu"),
            started_on=since,
        ),
        "lead": RoundtableSeat.objects.create(
            roundtable=roundtable, role=Seat.LEADING_DEPARTMENT, department=dept_a, started_on=since
        ),
        "member_a": RoundtableSeat.objects.create(
            roundtable=roundtable, role=Seat.MEMBER_DEPARTMENT, department=dept_a, started_on=since
        ),
        "member_b": RoundtableSeat.objects.create(
            roundtable=roundtable, role=Seat.MEMBER_DEPARTMENT, department=dept_b, started_on=since
        ),
        "team": RoundtableSeat.objects.create(
            roundtable=roundtable, role=Seat.SAFEGUARD_TEAM, user=staff, started_on=since
        ),
    }
    dept_a.office_phone = "023-6000-0001"
    dept_a.save()
    DepartmentMembership.objects.filter(user=liaison_a).update(
        office_phone="023-6000-2001", mobile="139-0000-2001"
    )
    DepartmentMembership.objects.filter(user=head_a).update(office_phone="023-6000-1001")
    return seats


@pytest.mark.parametrize(
    "who", ["liaison_a", "liaison_c", "monitor", "staff", "chair", "admin_user"]
)
def test_every_signed_in_role_reads_the_roundtable_page(who, request, client, seated):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/roundtable/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Test roundtable", "Deputy Liu", "Department A", "Department B", "023-6000-0001"):
        assert text in body
    # Heads and liaisons of member departments, with their office phones.
    assert "liaison_a" in body or "Test Person" in body
    assert "023-6000-2001" in body and "023-6000-1001" in body


def test_anonymous_is_sent_to_login(client, seated):
    response = client.get("/roundtable/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_mobile_numbers_are_for_government_users_only(client, seated, liaison_c, monitor):
    client.force_login(liaison_c)
    assert "139-0000-2001" in client.get("/roundtable/").content.decode()
    client.force_login(monitor)  # no department, not staff: a future enterprise account alike
    assert "139-0000-2001" not in client.get("/roundtable/").content.decode()


def test_a_seat_change_keeps_the_former_holder_with_dates(client, seated, admin_user, chair):
    new_chair = factories.UserFactory(username="new_chair", full_name="Chair Zhou")
    client.force_login(admin_user)
    day = timezone.localdate()
    response = client.post(
        f"/roundtable/seats/{seated['chair'].pk}/change/",
        {"user": new_chair.pk, "changed_on": day.isoformat()},
    )
    assert response.status_code == 302
    old = RoundtableSeat.objects.get(pk=seated["chair"].pk)
    assert old.user == chair and old.ended_on == day - timedelta(days=1)
    new = RoundtableSeat.objects.get(role=Seat.CHAIR, ended_on__isnull=True)
    assert new.user == new_chair and new.started_on == day
    assert old.history.first().history_user == admin_user
    page = client.get("/roundtable/").content.decode()
    history = page[page.index('id="seat-history"') :]
    assert str(chair) in history and "2024-01-01" in history
    leadership = page[page.index('id="leadership"') : page.index('id="leading"')]
    assert "Chair Zhou" in leadership and str(chair) not in leadership


def test_a_change_dated_on_or_before_the_current_start_is_refused(client, seated, staff):
    client.force_login(staff)
    response = client.post(
        f"/roundtable/seats/{seated['chair'].pk}/change/",
        {"user": staff.pk, "changed_on": "2024-01-01"},
    )
    assert response.status_code == 400
    assert "must come after" in response.content.decode()
    assert RoundtableSeat.objects.filter(role=Seat.CHAIR).count() == 1


def test_a_second_chair_must_come_through_a_change(roundtable, seated, staff):
    with pytest.raises(services.MeetingRefused):
        services.seat_add(
            actor=staff,
            roundtable=roundtable,
            role=Seat.CHAIR,
            user=staff,
            started_on=timezone.localdate(),
        )


def test_changing_the_leading_department_updates_the_roundtable(roundtable, seated, staff, dept_b):
    services.seat_change(
        actor=staff, seat=seated["lead"], department=dept_b, changed_on=timezone.localdate()
    )
    roundtable.refresh_from_db()
    assert roundtable.leading_department == dept_b
    assert RoundtableSeat.objects.filter(role=Seat.LEADING_DEPARTMENT).count() == 2


def test_ending_a_member_seat_keeps_its_record(client, seated, staff):
    client.force_login(staff)
    day = timezone.localdate()
    response = client.post(
        f"/roundtable/seats/{seated['member_b'].pk}/end/", {"ended_on": day.isoformat()}
    )
    assert response.status_code == 302
    seat = RoundtableSeat.objects.get(pk=seated["member_b"].pk)
    assert seat.ended_on == day
    # Ended today: still a member today, gone tomorrow; the row itself is never deleted.
    assert (
        RoundtableSeat.objects.current(on=day + timedelta(days=1)).filter(pk=seat.pk).count() == 0
    )


def test_the_leading_department_cannot_simply_be_ended(seated, staff):
    with pytest.raises(services.MeetingRefused):
        services.seat_end(actor=staff, seat=seated["lead"], ended_on=timezone.localdate())


@pytest.mark.parametrize("who", ["liaison_a", "head_a", "chair", "monitor"])
def test_only_administrators_and_staff_edit_the_membership(who, request, client, seated):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/roundtable/seats/new/").status_code == 403
    response = client.post(
        f"/roundtable/seats/{seated['member_b'].pk}/end/", {"ended_on": "2026-01-01"}
    )
    assert response.status_code == 403
    assert RoundtableSeat.objects.get(pk=seated["member_b"].pk).ended_on is None


def test_staff_add_a_member_department(client, seated, staff, dept_c):
    client.force_login(staff)
    response = client.post(
        "/roundtable/seats/new/",
        {"role": Seat.MEMBER_DEPARTMENT, "department": dept_c.pk, "started_on": "2026-01-05"},
    )
    assert response.status_code == 302
    seat = RoundtableSeat.objects.get(department=dept_c)
    assert seat.history.first().history_user == staff


def test_a_person_seat_needs_a_person(client, seated, staff, dept_c):
    client.force_login(staff)
    response = client.post(
        "/roundtable/seats/new/",
        {"role": Seat.DEPUTY_CHAIR, "department": dept_c.pk, "started_on": "2026-01-05"},
    )
    assert response.status_code == 400
    assert "Choose the person" in response.content.decode()


def test_an_administrator_sets_up_the_roundtable_in_the_portal(client, admin_user, dept_a):
    client.force_login(admin_user)
    assert "has not been set up" in client.get("/roundtable/").content.decode()
    response = client.post(
        "/roundtable/edit/",
        {
            "name_zh": "新区圆桌会议",
            "name_en": "New District Roundtable",
            "jurisdiction": "New District",
            "leading_department": dept_a.pk,
            "cadence": "quarterly",
        },
    )
    assert response.status_code == 302
    rt = Roundtable.objects.get()
    assert rt.seats.get().role == Seat.LEADING_DEPARTMENT
    assert rt.history.first().history_user == admin_user
