"""Inviting an enterprise contact (issue 17): staff or the enterprise's designated official
send the invitation from the enterprise's page; it arrives in the contact's language (read
back with the ``email`` package); its link sets the password and language once; signing in
then lands on the enterprise side."""

import pytest
from django.core import mail
from django.urls import reverse

from roundtable.accounts.models import User
from roundtable.enterprises.models import EnterpriseContact
from tests import factories
from tests.accounts.helpers import NEW_PASSWORD, deliver
from tests.portal.helpers import mails_to, parts, portal_link

pytestmark = pytest.mark.django_db


def _contact(enterprise, language="ja", email="tanaka@example.test"):
    return EnterpriseContact.objects.create(
        enterprise=enterprise, name="田中 花子", email=email, preferred_language=language
    )


def _invite(client, actor, contact):
    client.force_login(actor)
    return client.post(
        reverse("enterprises:contact_invite", args=[contact.enterprise_id, contact.pk])
    )


def test_staff_invite_a_contact_in_japanese(client, staff, enterprise_1):
    contact = _contact(enterprise_1)

    response = _invite(client, staff, contact)
    deliver()

    assert response.status_code == 302
    contact.refresh_from_db()
    user = contact.user
    assert user.is_enterprise_contact and user.preferred_language == "ja"
    assert not user.has_usable_password()
    assert not user.groups.exists()
    (message,) = mails_to("tanaka@example.test")
    subject, text, html = parts(message)
    assert "\n" not in subject
    assert subject == "円卓会議 企業ポータルへのご招待"
    assert "第一企业有限公司" in text or "Enterprise One" in text
    assert "ユーザー名" in text
    link = portal_link(text, "/portal/welcome/")
    assert link in html


def test_the_link_sets_password_and_language_once_then_sign_in_lands_on_the_portal(
    client, staff, enterprise_1
):
    contact = _contact(enterprise_1)
    _invite(client, staff, contact)
    deliver()
    (message,) = mails_to("tanaka@example.test")
    link = portal_link(parts(message)[1], "/portal/welcome/")
    client.logout()

    opened = client.get(link)
    assert opened.status_code == 302  # the token moves into the session
    form = client.get(opened["Location"])
    assert "日本語" in form.content.decode() and "한국어" in form.content.decode()
    done = client.post(
        opened["Location"],
        {"language": "ko", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    contact.refresh_from_db()
    user = User.objects.get(pk=contact.user_id)
    assert user.preferred_language == "ko" and user.check_password(NEW_PASSWORD)
    again = client.get(link)
    assert again.status_code == 200
    assert "이 링크는 사용할 수 없습니다" in again.content.decode()
    signed_in = client.post(
        reverse("accounts:login") + "?next=/issues/",
        {"username": user.username, "password": NEW_PASSWORD},
    )
    assert signed_in["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "기업 포털" in home.content.decode()


def test_the_designated_official_may_invite_but_another_official_may_not(
    client, liaison_a, liaison_c, enterprise_1
):
    enterprise_1.designated_official = liaison_a
    enterprise_1.save()
    contact = _contact(enterprise_1, language="en")

    assert _invite(client, liaison_c, contact).status_code == 404
    assert _invite(client, liaison_a, contact).status_code == 302
    contact.refresh_from_db()
    assert contact.user is not None


def test_one_person_for_two_enterprises_has_one_account(client, staff, enterprise_1, enterprise_2):
    first = _contact(enterprise_1, email="secretary@chamber.test")
    second = _contact(enterprise_2, email="Secretary@chamber.test")

    _invite(client, staff, first)
    _invite(client, staff, second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.user_id == second.user_id


def test_a_staff_address_is_refused(client, staff, enterprise_1):
    contact = _contact(enterprise_1, email=staff.email)

    response = _invite(client, staff, contact)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.user is None
    assert mail.outbox == []
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("staff account" in m for m in messages)


def test_ending_access_closes_the_portal(client, staff, enterprise_1):
    user = factories.make_contact(enterprise_1, username="leaving")
    link = EnterpriseContact.objects.get(user=user)
    client.force_login(staff)
    client.post(reverse("enterprises:contact_end_access", args=[enterprise_1.pk, link.pk]))

    client.force_login(user)
    response = client.get("/portal/")

    assert response.status_code == 403
    assert "Enterprise One" not in response.content.decode()
