"""Roundtables on the enterprise side (issue 17): the meetings a contact's enterprise is
invited to, registering who attends, and the published summaries of past ones."""

import pytest
import time_machine
from django.urls import reverse

from roundtable.meetings.models import MeetingAttendee
from tests.portal.world import meetings

pytestmark = pytest.mark.django_db
NOW = "2026-09-29 10:00 +0800"


@pytest.fixture
def world(enterprise_1, enterprise_2):
    return meetings(enterprise_1, enterprise_2)


def _form(place, *people):
    data = {
        "participant": place,
        f"p{place}-TOTAL_FORMS": str(len(people)),
        f"p{place}-INITIAL_FORMS": "0",
    }
    for i, (name, title) in enumerate(people):
        data[f"p{place}-{i}-name"] = name
        data[f"p{place}-{i}-title"] = title
    return data


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_invitations_and_published_summaries_only(client, contact_1, world):
    client.force_login(contact_1)

    page = client.get(reverse("portal:meetings")).content.decode()

    assert "Autumn roundtable on logistics" in page
    assert "Spring roundtable" in page
    assert "Roundtable for E2 only" not in page
    assert "Visit to E1" not in page


@time_machine.travel(NOW, tick=False)
def test_a_contact_registers_attendees_and_staff_see_them(client, contact_1, staff, world):
    client.force_login(contact_1)
    url = reverse("portal:meeting_register", args=[world["P_M"]])

    response = client.post(
        url,
        _form(world["P_place"], ("Aiko Tanaka", "Plant manager"), ("Ken Mori", "")),
    )

    assert response.status_code == 302
    names = list(MeetingAttendee.objects.values_list("name", "title", "registered_by"))
    assert names == [("Aiko Tanaka", "Plant manager", contact_1.pk), ("Ken Mori", "", contact_1.pk)]
    page = client.get(reverse("portal:meeting", args=[world["P_M"]])).content.decode()
    assert 'value="Aiko Tanaka"' in page
    client.force_login(staff)
    staff_page = client.get(reverse("meetings:detail", args=[world["P_M"]])).content.decode()
    assert "Aiko Tanaka" in staff_page and "Ken Mori" in staff_page

    # Registering again replaces the list; an empty one withdraws it.
    client.force_login(contact_1)
    client.post(url, _form(world["P_place"], ("Ken Mori", "CFO")))
    assert list(MeetingAttendee.objects.values_list("name", "title")) == [("Ken Mori", "CFO")]
    client.post(url, _form(world["P_place"]))
    assert not MeetingAttendee.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_another_enterprises_place_cannot_be_registered(client, contact_2, world):
    client.force_login(contact_2)
    response = client.post(
        reverse("portal:meeting_register", args=[world["P_M"]]),
        _form(world["P_place"], ("Intruder", "")),
    )
    assert response.status_code == 404
    assert not MeetingAttendee.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_place_of_another_meeting_is_refused(client, contact_1, world):
    # E1's place in the upcoming meeting, posted to the past meeting's address.
    client.force_login(contact_1)
    response = client.post(
        reverse("portal:meeting_register", args=[world["P_past"]]),
        _form(world["P_place"], ("Aiko Tanaka", "")),
    )
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_past_meeting_shows_its_summary_and_takes_no_registration(client, contact_1, world):
    client.force_login(contact_1)
    page = client.get(reverse("portal:meeting", args=[world["P_past"]])).content.decode()
    assert "Agreed: a single window for permits." in page
    assert "Save the registration" not in page

    upcoming = client.get(reverse("portal:meeting", args=[world["P_M"]])).content.decode()
    assert "Save the registration" in upcoming
    assert "Agreed: a single window" not in upcoming


@time_machine.travel(NOW, tick=False)
def test_a_started_meeting_no_longer_takes_registrations(client, contact_1, world):
    with time_machine.travel("2026-10-20 15:00 +0800", tick=False):
        client.force_login(contact_1)
        response = client.post(
            reverse("portal:meeting_register", args=[world["P_M"]]),
            _form(world["P_place"], ("Late Comer", "")),
        )
    assert response.status_code == 409
    assert not MeetingAttendee.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_too_many_rows_are_refused_with_the_names_kept(client, contact_1, world):
    client.force_login(contact_1)
    people = [(f"Person {i}", "") for i in range(11)]
    response = client.post(
        reverse("portal:meeting_register", args=[world["P_M"]]), _form(world["P_place"], *people)
    )
    assert response.status_code == 400
    assert not MeetingAttendee.objects.exists()
