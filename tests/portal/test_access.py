"""Who is a contact and what that allows (issue 17): contacts hold no staff role whatever
they were given, sign in to /portal/, choose among four languages (staff among two), and no
API token of theirs is honoured."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from departments.models import DepartmentMembership
from roundtable.accounts import api_tokens, roles
from roundtable.accounts.models import ApiToken
from roundtable.portal.access import contact_enterprises
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_contact_given_staff_groups_by_mistake_still_has_no_role(enterprise_1, dept_a):
    user = factories.make_contact(enterprise_1, username="mistaken")
    user.groups.add(Group.objects.get_or_create(name="commerce_staff")[0])
    DepartmentMembership.objects.create(user=user, department=dept_a, role="liaison")
    user = type(user).objects.get(pk=user.pk)

    assert not roles.is_commerce_staff(user)
    assert roles.department_ids(user) == frozenset()
    assert not roles.is_case_user(user)
    assert not roles.is_administrator(user)


def test_a_chamber_secretary_represents_several_enterprises(enterprise_1, enterprise_2):
    secretary = factories.make_contact(enterprise_1, username="secretary")
    factories.make_contact(enterprise_2, username="secretary", user=secretary)

    assert set(contact_enterprises(secretary)) == {enterprise_1, enterprise_2}


def test_signing_in_lands_a_contact_on_the_portal_whatever_next_says(client, enterprise_1):
    user = factories.make_contact(enterprise_1, username="lands")

    response = client.post(
        reverse("accounts:login") + "?next=/issues/",
        {"username": "lands", "password": "roundtable-demo"},
    )

    assert response["Location"] == "/portal/"
    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/issues/").status_code == 403
    assert user.is_enterprise_contact


def test_staff_keep_to_english_and_chinese_contacts_have_four(client, staff, enterprise_1):
    client.force_login(staff)
    client.post(reverse("accounts:set_language"), {"language": "ja", "next": "/"})
    staff.refresh_from_db()
    assert staff.preferred_language == "en"
    staff_page = client.get(reverse("issues:ledger")).content.decode()
    assert "日本語" not in staff_page and "中文" in staff_page

    contact = factories.make_contact(enterprise_1, username="polyglot")
    client.force_login(contact)
    client.post(reverse("accounts:set_language"), {"language": "ko", "next": "/portal/"})
    contact.refresh_from_db()
    assert contact.preferred_language == "ko"
    page = client.get("/portal/").content.decode()
    assert all(name in page for name in ("中文", "English", "日本語", "한국어"))
    assert "기업 포털" in page


def test_staff_are_refused_the_portal(client, staff):
    client.force_login(staff)
    assert client.get("/portal/").status_code == 403


def test_a_contacts_api_token_is_not_honoured(client, enterprise_1):
    user = factories.make_contact(enterprise_1, username="scripted")
    token, key = api_tokens.token_create(user=user, name="script", scope="read")
    assert ApiToken.objects.filter(pk=token.pk).exists()

    response = client.get("/api/issues/", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 401
