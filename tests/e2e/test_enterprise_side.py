"""The enterprise side in a real browser (issue 17, acceptance): staff invite a contact in
Japanese from the enterprise's page; the contact sets a password and language through the
e-mailed link, signs in and lands on /portal/ in Japanese, follows the enterprise's issue and
adds information; the lead department concludes it; the contact switches to Korean and
confirms the conclusion dissatisfied, which reopens the issue.

Still to add by the concerns and notices work: the contact raising the concern that staff turn
into this issue (today staff log it), and a notice in four languages reaching the inbox."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from departments.models import DepartmentMembership
from issues import services
from issues.models import Issue
from roundtable.enterprises.models import EnterpriseContact
from roundtable.notifications import delivery
from tests import factories
from tests.e2e.test_ledger_flow import sign_in
from tests.portal.helpers import parts, portal_link

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "Sakura-river-2026!"


@pytest.mark.django_db(transaction=True)
def test_a_contact_invited_in_japanese_follows_and_rejects_a_conclusion_in_korean(
    live_server, page
):
    base = live_server.url
    staff = factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
    planning = factories.DepartmentFactory(code="pnr", name_en="Planning Bureau", name_zh="规划局")
    liaison = factories.UserFactory(username="e2e_liaison", full_name="Liaison Li")
    DepartmentMembership.objects.create(user=liaison, department=planning, role="liaison")
    sakura = factories.EnterpriseFactory(
        name_en="Sakura Foods Co., Ltd.", name_zh="樱花食品有限公司", country="JP"
    )
    contact = EnterpriseContact.objects.create(
        enterprise=sakura, name="佐藤 美咲", email="sato@example.com", preferred_language="ja"
    )
    issue = services.issue_create(
        actor=staff,
        title="Cold-chain warehouse permit",
        enterprise=sakura,
        category=factories.CategoryFactory(),
        source=Issue.Source.MEETING,
        lead_department=planning,
        deadline=timezone.localdate() + timedelta(days=60),
    )
    services.assignment_accept(actor=liaison, assignment=issue.assignments.get(role="lead"))
    services.issue_post_progress(
        actor=liaison, issue=issue, body="Site inspection on Monday", visible_to_enterprise=True
    )

    # Staff invite the contact from the enterprise's page.
    sign_in(page, base, "e2e_staff")
    page.goto(f"{base}/enterprises/{sakura.pk}/")
    page.get_by_role("button", name="Invite to the portal").click()
    page.wait_for_url(re.compile(rf"/enterprises/{sakura.pk}/"))
    page.locator("#sign-out button").click()
    delivery.reminders_deliver_pending()
    (message,) = [m for m in mail.outbox if m.to == ["sato@example.com"]]
    subject, text, _html = parts(message)
    assert subject == "円卓会議 企業ポータルへのご招待"

    # The link: language and password, then sign in and land on the portal, in Japanese.
    page.goto(base + portal_link(text, "/portal/welcome/"))
    page.get_by_label("日本語").check()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="パスワードを設定する").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    contact.refresh_from_db()
    page.locator("input[name=username]").fill(contact.user.username)
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/portal/")
    assert page.locator("h1").inner_text() == "企業ポータル"

    # Their issue, with the progress the department shared; add information.
    page.get_by_role("link", name="当社の案件").click()
    page.get_by_role("link", name=issue.reference).click()
    assert "Site inspection on Monday" in page.content()
    page.get_by_label("追加する情報").fill("倉庫の図面を追加します。")
    page.get_by_role("button", name="情報を追加する").click()
    page.wait_for_url(re.compile(rf"/portal/issues/{issue.pk}/$"))
    assert "倉庫の図面を追加します。" in page.content()

    # The department concludes; the contact switches to Korean and is dissatisfied.
    services.issue_report_conclusion(actor=liaison, issue=issue, resolution="Permit granted")
    page.reload()
    page.get_by_role("button", name="한국어").click()
    page.wait_for_url(re.compile(rf"/portal/issues/{issue.pk}/$"))
    assert "처리 결과 확인" in page.content()
    page.get_by_label("불만족").check()
    page.get_by_label("의견").fill("허가 범위가 신청과 다릅니다.")
    page.get_by_role("button", name="확인 보내기").click()
    page.wait_for_url(re.compile(rf"/portal/issues/{issue.pk}/$"))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.IN_PROGRESS
    assert issue.satisfaction_by == Issue.RatedBy.ENTERPRISE
    assert contact.user.__class__.objects.get(pk=contact.user_id).preferred_language == "ko"
