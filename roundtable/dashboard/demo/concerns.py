"""The demo's enterprises' concerns (issue 17), made through
``roundtable.meetings.services.concerns`` as the portal and the staff would: one raised by
``contact_ja`` on the enterprise side and still open in the staff's intake queue, one sent
through the public form by an enterprise without an account (unverified until staff match
it), and one raised by ``contact_ko`` that staff accepted as a ledger issue. Invented
content, example.com addresses."""

from __future__ import annotations

from issues.models import Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.meetings.services import concerns as services

OPEN_CONCERN = (
    "contact_ja",
    "permits",
    "新工場の排水許可の審査が三か月止まっています。必要書類は二月に提出済みです。"
    "次回の円卓会議で取り上げていただけますか。",
)
ACCEPTED_CONCERN = (
    "contact_ko",
    "customs",
    "수출 통관 때 같은 원산지 서류를 두 기관에 따로 제출해야 합니다. 한 번만 제출하도록 "
    "조정해 주실 수 있습니까?",
    "Export customs: the same origin documents are asked for by two agencies",
    "Taken up as a ledger issue; the Commerce Bureau will assign it to a department.",
)
PUBLIC_CONCERN = {
    "company": "Nordlicht Precision Parts (Chongqing) Co., Ltd.",
    "name": "Lena Vogt",
    "email": "lena.vogt@example.com",
    "text": "Renewing the work permits of our foreign engineers takes six weeks, and they "
    "cannot travel meanwhile. We have no account on the portal yet.",
    "language": "en",
}


def _contact(username: str) -> tuple[User, Enterprise] | None:
    link = (
        EnterpriseContact.objects.filter(user__username=username)
        .select_related("user", "enterprise")
        .first()
    )
    return (link.user, link.enterprise) if link else None


def build_concerns(loader) -> None:
    staff = loader.users["staff"]
    made = 0
    found = _contact(OPEN_CONCERN[0])
    if found:
        user, enterprise = found
        services.concern_raise(
            actor=user,
            enterprise=enterprise,
            text=OPEN_CONCERN[2],
            category=loader.categories[OPEN_CONCERN[1]],
        )
        made += 1
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    services.concern_submit_public(
        credit_code=loader.credit_code(taken), category=None, **PUBLIC_CONCERN
    )
    made += 1
    found = _contact(ACCEPTED_CONCERN[0])
    if found:
        user, enterprise = found
        username, code, text, title, reason = ACCEPTED_CONCERN
        category = loader.categories[code]
        item = services.concern_raise(
            actor=user, enterprise=enterprise, text=text, category=category
        )
        issue = services.intake_item_accept(
            actor=staff, item=item, title=title, category=category, reason=reason
        )
        # The staff's monitor of action, as on every demo issue (set on the issue's page).
        Issue.objects.filter(pk=issue.pk).update(monitor=staff)
        made += 1
    loader.counts["concerns"] = made
