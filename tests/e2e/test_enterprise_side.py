"""The enterprise side in a real browser (issue 17, acceptance): staff invite a contact in
Japanese from the enterprise's page; the contact sets a password and language through the
e-mailed link, signs in and lands on /portal/ in Japanese, follows the enterprise's issue and
adds information; the lead department concludes it; the contact switches to Korean and
confirms the conclusion dissatisfied, which reopens the issue.

The second test follows a concern from the contact's own words to the reopened issue: the
contact raises it in Japanese, staff accept it as a ledger issue and assign it from the staff
pages, the department's liaison accepts and concludes it, and the contact, now in Korean,
rejects the conclusion. The third sends a notice written in four languages from the staff
pages and finds it in each contact's inbox and e-mail, in the contact's language."""

import re
from datetime import timedelta
from html import escape

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from departments.models import DepartmentMembership
from issues import services
from issues.models import Issue
from roundtable.enterprises.models import EnterpriseContact
from roundtable.meetings.models import IntakeItem
from roundtable.notices import tasks as notice_tasks
from roundtable.notices.models import Notice
from roundtable.notifications import delivery
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.test_ledger_flow import sign_in, sign_out
from tests.portal.helpers import mails_to, parts, portal_link

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


def contact_account(enterprise, username, language):
    """A contact who already accepted the invitation (the first test walks through it)."""
    user = factories.UserFactory(
        username=username,
        email=f"{username}@example.com",
        preferred_language=language,
        is_enterprise_contact=True,
    )
    EnterpriseContact.objects.create(
        enterprise=enterprise,
        name=username,
        email=user.email,
        preferred_language=language,
        user=user,
    )
    return user


def new_page(browser):
    """A second person at their own computer: a browser context of their own."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def contact_sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/portal/")


@pytest.mark.django_db(transaction=True)
def test_a_concern_raised_in_japanese_becomes_an_issue_that_the_contact_reopens_in_korean(
    live_server, browser, page
):
    base = live_server.url
    factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
    planning = factories.DepartmentFactory(code="pnr", name_en="Planning Bureau", name_zh="规划局")
    liaison = factories.UserFactory(username="e2e_liaison", full_name="Liaison Li")
    DepartmentMembership.objects.create(user=liaison, department=planning, role="liaison")
    category = factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")
    sakura = factories.EnterpriseFactory(
        name_en="Sakura Foods Co., Ltd.", name_zh="樱花食品有限公司", country="JP"
    )
    contact_account(sakura, "sato", "ja")

    # The contact raises the concern, in Japanese.
    contact_sign_in(page, base, "sato")
    page.goto(f"{base}/portal/concerns/new/")
    expect(page.locator("h1")).to_have_text("懸念事項を提出")
    page.get_by_label("分類").select_option(str(category.pk))
    page.get_by_label("あなたの懸念事項").fill("冷蔵倉庫の建築許可が三か月止まっています。")
    page.get_by_role("button", name="懸念事項を送信").click()
    page.wait_for_url(f"{base}/portal/concerns/")
    expect(page.locator("#concerns")).to_contain_text("受付済み：検討中")
    concern = IntakeItem.objects.get()
    assert (concern.enterprise, concern.raised_by.username) == (sakura, "sato")

    # Commerce staff, at their own computer, find it in the queue and put it on the ledger.
    staff_page = new_page(browser)
    try:
        sign_in(staff_page, base, "e2e_staff")
        staff_page.goto(f"{base}/concerns/")
        staff_page.get_by_role("link", name="冷蔵倉庫の建築許可が三か月止まっています。").click()
        staff_page.wait_for_url(f"{base}/concerns/{concern.pk}/")
        staff_page.get_by_role("link", name="Accept as a ledger issue").click()
        staff_page.wait_for_url(f"{base}/concerns/{concern.pk}/accept/")
        staff_page.get_by_label("Title of the ledger issue").fill("Cold-chain warehouse permit")
        staff_page.get_by_label("Reason, as the enterprise will read it").fill(
            "We follow it up with the Planning Bureau."
        )
        staff_page.get_by_role("button", name="Accept", exact=True).click()
        staff_page.wait_for_url(f"{base}/concerns/{concern.pk}/")
        issue = Issue.objects.get()
        assert issue.enterprise == sakura
        staff_page.get_by_role(
            "link", name=f"{issue.reference} Cold-chain warehouse permit"
        ).click()
        staff_page.wait_for_url(f"{base}/issues/{issue.pk}/")
        staff_page.get_by_role("link", name="Assign", exact=True).click()
        staff_page.wait_for_url(f"{base}/issues/{issue.pk}/assign/")
        staff_page.get_by_label("Lead department").select_option(str(planning.pk))
        staff_page.locator("input[name=deadline_working_days]").fill("10")
        staff_page.get_by_role("button", name="Assign", exact=True).click()
        staff_page.wait_for_url(f"{base}/issues/{issue.pk}/")
        expect(staff_page.locator("#issue-status")).to_have_text("Assigned, awaiting acceptance")
        sign_out(staff_page)

        # The lead department's liaison accepts the assignment and reports the conclusion.
        sign_in(staff_page, base, "e2e_liaison")
        staff_page.goto(f"{base}/issues/{issue.pk}/")
        staff_page.locator("#accept-button").click()
        expect(staff_page.locator("#issue-status")).to_have_text("In progress")
        staff_page.get_by_text("Report the conclusion").click()
        staff_page.locator("#conclude-form textarea[name=resolution]").fill("Permit granted.")
        staff_page.get_by_role("button", name="Report conclusion").click()
        staff_page.wait_for_url(f"{base}/issues/{issue.pk}/")
        expect(staff_page.locator("#issue-status")).to_have_text("Conclusion reported")

        # The contact sees the decision on the concern, switches to Korean and rejects the
        # conclusion.
        page.goto(f"{base}/portal/concerns/")
        expect(page.locator("#concerns")).to_contain_text("台帳の案件として受理")
        expect(page.locator("#concerns")).to_contain_text(
            "We follow it up with the Planning Bureau."
        )
        page.get_by_role("button", name="한국어").click()
        page.wait_for_url(f"{base}/portal/concerns/")
        expect(page.locator("#concerns")).to_contain_text("대장 안건으로 접수")
        page.goto(f"{base}/portal/issues/{issue.pk}/")
        expect(page.locator("#conclusion")).to_contain_text("Permit granted.")
        page.get_by_label("불만족").check()
        page.get_by_label("의견").fill("허가 범위가 신청과 다릅니다.")
        page.get_by_role("button", name="확인 보내기").click()
        page.wait_for_url(f"{base}/portal/issues/{issue.pk}/")
        expect(page.locator(".badge.status-in_progress")).to_have_text("진행 중")

        # Commerce staff see the issue reopened, with the enterprise's own rating.
        sign_out(staff_page)
        sign_in(staff_page, base, "e2e_staff")
        staff_page.goto(f"{base}/issues/{issue.pk}/")
        expect(staff_page.locator("#issue-status")).to_have_text("In progress")
        expect(staff_page.locator("main")).to_contain_text(
            "Dissatisfied (given by: The enterprise, on the portal)"
        )
        issue.refresh_from_db()
        assert issue.status == Issue.Status.IN_PROGRESS
        assert issue.satisfaction_by == Issue.RatedBy.ENTERPRISE
    finally:
        staff_page.context.close()


NOTICE_TITLES = {
    "zh-hans": "研发费用加计扣除政策解读",
    "en": "R&D expense super-deduction explained",
    "ja": "研究開発費の追加控除について",
    "ko": "연구개발비 추가 공제 안내",
}
NOTICE_FIELDS = {"zh-hans": "Chinese", "en": "English", "ja": "Japanese", "ko": "Korean"}
NOTICE_BODIES = {
    "zh-hans": "符合条件的企业可享受研发费用加计扣除。",
    "en": "Eligible enterprises may deduct R&D expenses at 200%.",
    "ja": "要件を満たす企業は研究開発費の追加控除を受けられます。",
    "ko": "요건을 갖춘 기업은 연구개발비 추가 공제를 받을 수 있습니다.",
}


@pytest.mark.django_db(transaction=True)
def test_a_notice_in_four_languages_reaches_each_contact_in_their_language(
    live_server, browser, page
):
    base = live_server.url
    factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
    enterprise = factories.EnterpriseFactory(name_en="Rhein Tools", name_zh="莱茵工具有限公司")
    usernames = {"zh-hans": "wang", "en": "miller", "ja": "sato", "ko": "kim"}
    contacts = {
        language: contact_account(enterprise, name, language)
        for language, name in usernames.items()
    }

    # Staff write the notice in four languages for all enterprises and send it.
    sign_in(page, base, "e2e_staff")
    page.goto(f"{base}/notices/new/")
    page.get_by_label("Kind").select_option(Notice.Kind.INCENTIVE)
    for language, name in NOTICE_FIELDS.items():
        page.get_by_label(f"Title ({name})").fill(NOTICE_TITLES[language])
        page.get_by_label(f"Text ({name})").fill(NOTICE_BODIES[language])
    page.get_by_label("All enterprises").check()
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    notice = Notice.objects.get()
    page.get_by_role("button", name="Send the notice").click()
    page.wait_for_url(f"{base}/notices/{notice.pk}/")
    expect(page.locator("#count-total")).to_have_text("4")

    # Sending only wrote the rows; the worker's periodic task, run here as beat would run it,
    # sends them, and a second run sends nothing twice.
    assert notice.deliveries.filter(status="sent").count() == 0
    notice_tasks.deliver_notices()
    notice_tasks.deliver_notices()
    assert notice.deliveries.filter(status="sent").count() == 4

    for language, user in contacts.items():
        # The e-mail, in the contact's language, once.
        (message,) = mails_to(user.email)
        subject, text, html = parts(message)
        assert NOTICE_TITLES[language] in subject
        assert NOTICE_BODIES[language] in text
        assert escape(NOTICE_BODIES[language]) in html
        others = set(NOTICE_TITLES.values()) - {NOTICE_TITLES[language]}
        assert not any(title in subject for title in others)
        assert f"/portal/notices/{notice.pk}/" in portal_link(text, "/portal/notices/")

        # The inbox, in the contact's language, at the contact's own computer.
        contact_page = new_page(browser)
        try:
            contact_sign_in(contact_page, base, user.username)
            contact_page.goto(f"{base}/portal/notices/")
            inbox = contact_page.locator("#notices")
            expect(inbox.get_by_role("link", name=NOTICE_TITLES[language])).to_be_visible()
            for other in others:
                expect(inbox).not_to_contain_text(other)
            inbox.get_by_role("link", name=NOTICE_TITLES[language]).click()
            contact_page.wait_for_url(f"{base}/portal/notices/{notice.pk}/")
            expect(contact_page.locator("main")).to_contain_text(NOTICE_BODIES[language])
        finally:
            contact_page.context.close()
