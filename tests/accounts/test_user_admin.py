"""The portal's own administration of users (ASVS 6.4.4, 7.4.2, 8.2): an administrator creates
an account with roles and department seats and invites its owner, edits it, deactivates and
reactivates it; every change is in the user's history. Access per role is in the matrix
(tests/security/matrix_accounts.yaml)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from departments.models import DepartmentMembership
from roundtable.accounts import roles
from roundtable.accounts.models import User
from tests import factories
from tests.accounts.helpers import (
    NEW_PASSWORD,
    deliver,
    html_part,
    is_signed_in,
    link_in,
    mails_to,
    outbox_rows,
    sessions_of,
    sign_in,
    text,
)

pytestmark = pytest.mark.django_db

INVITATION_PREFIX = "/accounts/invitation/"


def _create(client, **overrides):
    data = {
        "username": "zhao_min",
        "full_name": "Zhao Min",
        "email": "zhao.min@example.test",
        "title": "Section chief",
        "office_phone": "023-0000-0001",
        "mobile": "",
        "preferred_language": "zh-hans",
        "roles": ["commerce_staff"],
        "invite": "on",
        **overrides,
    }
    return client.post(reverse("accounts:user_create"), data)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_administrator_creates_an_account_and_its_owner_sets_the_password(
    admin_client, admin_user
):
    response = _create(admin_client)

    user = User.objects.get(username="zhao_min")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert not user.has_usable_password()
    assert roles.is_commerce_staff(user)
    assert [r.kind for r in outbox_rows()] == ["invitation"]
    assert mail.outbox == []  # the worker sends it, not the request

    deliver()
    (message,) = mails_to("zhao.min@example.test")
    assert "zhao_min" in message.body
    link = link_in(message, INVITATION_PREFIX)
    assert link in html_part(message)

    newcomer = admin_client.__class__()
    opened = newcomer.get(link)
    assert opened.status_code == 302
    assert "zhao_min" in text(newcomer.get(opened["Location"]))
    done = newcomer.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    signed_in = sign_in("zhao_min", NEW_PASSWORD)
    assert is_signed_in(signed_in)
    # The invitation works once.
    assert "This link does not work" in text(newcomer.get(link))

    reasons = list(
        user.history.order_by("history_id").values_list("history_change_reason", "history_user")
    )
    assert reasons == [
        ("created", admin_user.pk),
        ("roles set, invitation sent", admin_user.pk),
        ("invitation accepted", user.pk),
    ]


def test_an_invitation_lasts_longer_than_a_reset_link(admin_client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    settings.INVITATION_TIMEOUT = 7 * 86400
    with time_machine.travel("2026-09-29 10:00 +0800") as clock:
        _create(admin_client)
        deliver()
        link = link_in(mails_to("zhao.min@example.test")[0], INVITATION_PREFIX)
        clock.shift(timedelta(days=6))
        assert admin_client.__class__().get(link).status_code == 302
        clock.shift(timedelta(days=1, minutes=1))
        assert "This link does not work" in text(admin_client.__class__().get(link))


def test_a_username_is_taken_whatever_its_case_and_the_form_keeps_what_was_typed(
    admin_client, staff
):
    response = _create(admin_client, username="STAFF", full_name="Someone Else")

    assert response.status_code == 200
    body = text(response)
    assert "This username is already taken." in body
    assert 'value="Someone Else"' in body
    assert 'value="STAFF"' in body
    assert User.objects.filter(username__iexact="staff").count() == 1
    assert outbox_rows() == []


def test_an_invitation_needs_an_email_address(admin_client):
    response = _create(admin_client, email="")

    assert response.status_code == 200
    assert "An invitation needs an e-mail address." in text(response)
    assert not User.objects.filter(username="zhao_min").exists()


def test_an_account_without_an_invitation_has_no_mail(admin_client):
    _create(admin_client, invite="", email="")

    assert User.objects.filter(username="zhao_min").exists()
    assert outbox_rows() == []


def test_the_administrator_role_opens_the_django_admin(admin_client):
    _create(admin_client, roles=["administrator"])
    user = User.objects.get(username="zhao_min")

    assert user.is_staff
    admin_client.post(
        reverse("accounts:user_edit", args=[user.pk]),
        {"full_name": "Zhao Min", "email": user.email, "preferred_language": "en", "roles": []},
    )
    user.refresh_from_db()
    assert not user.is_staff


def test_editing_roles_is_in_the_history_with_who_and_what(admin_client, admin_user, liaison_c):
    response = admin_client.post(
        reverse("accounts:user_edit", args=[liaison_c.pk]),
        {
            "full_name": "Liaison C",
            "email": liaison_c.email,
            "preferred_language": "en",
            "roles": ["chair"],
        },
    )

    assert response.status_code == 302
    assert roles.is_chair(User.objects.get(pk=liaison_c.pk))
    latest = liaison_c.history.latest()
    assert latest.history_user == admin_user
    assert latest.history_change_reason == "edited: full_name, roles"
    page = text(admin_client.get(reverse("accounts:user_detail", args=[liaison_c.pk])))
    assert "Roles: — → Chairperson or deputy chairperson" in page
    assert "Full name: " in page and "→ Liaison C" in page


def test_saving_without_a_change_writes_no_history(admin_client, liaison_c):
    before = liaison_c.history.count()
    admin_client.post(
        reverse("accounts:user_edit", args=[liaison_c.pk]),
        {
            "full_name": liaison_c.full_name,
            "email": liaison_c.email,
            "preferred_language": liaison_c.preferred_language,
            "roles": [],
        },
    )

    assert liaison_c.history.count() == before


def test_an_administrator_cannot_take_away_their_own_role(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_edit", args=[admin_user.pk]),
        {"full_name": "Admin", "email": admin_user.email, "preferred_language": "en", "roles": []},
    )

    assert response.status_code == 200
    assert "You cannot take away your own administrator role." in text(response)
    assert roles.is_administrator(User.objects.get(pk=admin_user.pk))


def test_department_seats_are_added_and_ended_with_their_history(
    admin_client, admin_user, liaison_c, dept_a
):
    response = admin_client.post(
        reverse("accounts:membership_add", args=[liaison_c.pk]),
        {"department": dept_a.pk, "role": "head", "started_on": "2026-01-05"},
    )
    assert response.status_code == 302
    seat = DepartmentMembership.objects.get(user=liaison_c, department=dept_a)
    assert seat.role == "head"
    assert dept_a.pk in roles.department_ids(User.objects.get(pk=liaison_c.pk), role="head")

    admin_client.post(
        reverse("accounts:membership_end", args=[liaison_c.pk, seat.pk]),
        {"ended_on": "2026-01-31"},
    )

    seat.refresh_from_db()
    assert seat.ended_on == date(2026, 1, 31)
    assert [
        (h.history_change_reason, h.history_user_id) for h in seat.history.order_by("history_id")
    ] == [
        ("added", admin_user.pk),
        ("ended", admin_user.pk),
    ]
    page = text(admin_client.get(reverse("accounts:user_detail", args=[liaison_c.pk])))
    assert "department seat ended" in page


def test_a_seat_ending_before_it_starts_is_refused_and_the_form_keeps_the_values(
    admin_client, liaison_c, dept_a
):
    response = admin_client.post(
        reverse("accounts:membership_add", args=[liaison_c.pk]),
        {
            "department": dept_a.pk,
            "role": "liaison",
            "started_on": "2026-03-01",
            "ended_on": "2026-02-01",
        },
    )

    assert response.status_code == 400
    body = text(response)
    assert "The end date is before the start date." in body
    assert 'value="2026-03-01"' in body
    assert not DepartmentMembership.objects.filter(user=liaison_c, department=dept_a).exists()


def test_the_same_open_seat_twice_is_refused(admin_client, liaison_c, dept_c):
    response = admin_client.post(
        reverse("accounts:membership_add", args=[liaison_c.pk]),
        {"department": dept_c.pk, "role": "liaison", "started_on": "2026-03-01"},
    )

    assert response.status_code == 400
    assert "already holds that seat" in text(response)


def test_deactivating_ends_every_session_at_once(admin_client, admin_user, staff):
    browser_1 = sign_in("staff")
    browser_2 = sign_in("staff")
    assert len(sessions_of(staff)) == 2

    response = admin_client.post(reverse("accounts:user_deactivate", args=[staff.pk]))

    assert response.status_code == 302
    assert sessions_of(staff) == set()
    for browser in (browser_1, browser_2):
        home = browser.get(reverse("dashboard:home"))
        assert home.status_code == 302
        assert home["Location"].startswith(reverse("accounts:login"))
    latest = staff.history.latest()
    assert (latest.history_change_reason, latest.history_user, latest.is_active) == (
        "deactivated",
        admin_user,
        False,
    )
    refused = browser_1.post(
        reverse("accounts:login"), {"username": "staff", "password": "roundtable-demo"}
    )
    assert refused.status_code == 200


def test_reactivating_lets_the_person_sign_in_again(admin_client, staff):
    admin_client.post(reverse("accounts:user_deactivate", args=[staff.pk]))
    admin_client.post(reverse("accounts:user_reactivate", args=[staff.pk]))

    assert is_signed_in(sign_in("staff"))
    assert staff.history.latest().history_change_reason == "reactivated"


def test_an_administrator_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_deactivate", args=[admin_user.pk]), follow=True
    )

    assert "You cannot deactivate your own account." in text(response)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_sending_the_invitation_again(admin_client, staff):
    response = admin_client.post(reverse("accounts:user_invite", args=[staff.pk]))

    assert response.status_code == 302
    assert [r.kind for r in outbox_rows()] == ["invitation"]
    assert staff.history.latest().history_change_reason == "invitation sent"


def test_the_user_list_filters_by_role_and_status(admin_client, staff, liaison_a, chair):
    liaison_a.is_active = False
    liaison_a.save()

    def names(**params):
        page = text(admin_client.get(reverse("accounts:user_list"), params))
        return {u for u in ("staff", "liaison_a", "chair", "admin") if f">{u}<" in page}

    assert names() == {"staff", "chair", "admin"}
    assert names(status="inactive") == {"liaison_a"}
    assert names(status="all", role="liaison") == {"liaison_a"}
    assert names(role="commerce_staff") == {"staff"}
    assert names(q="CHAIR") == {"chair"}


def test_the_user_list_takes_a_constant_number_of_queries(
    admin_client, dept_a, django_assert_max_num_queries
):
    for n in range(30):
        user = factories.UserFactory(username=f"person{n}", roles=["commerce_staff"])
        factories.MembershipFactory(user=user, department=dept_a)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("accounts:user_list"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "accounts:user_deactivate",
        "accounts:user_reactivate",
        "accounts:user_invite",
        "accounts:user_reset_second_factor",
    ],
)
def test_a_get_of_an_action_is_405_and_changes_nothing(admin_client, staff, name):
    response = admin_client.get(reverse(name, args=[staff.pk]))

    assert response.status_code == 405
    staff.refresh_from_db()
    assert staff.is_active
    assert outbox_rows() == []


@pytest.mark.parametrize(
    "name",
    [
        "accounts:two_factor_backup_codes",
        "accounts:two_factor_disable",
        "accounts:logout",
    ],
)
def test_a_get_of_a_personal_action_is_405(client, staff, name):
    client.force_login(staff)

    assert client.get(reverse(name)).status_code == 405


def test_the_django_admins_own_login_form_is_not_a_way_round_the_portals(client, staff):
    anonymous = client.get("/admin/login/?next=/admin/workdays/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=/admin/workdays/"

    client.force_login(staff)
    assert client.get("/admin/login/").status_code == 403
