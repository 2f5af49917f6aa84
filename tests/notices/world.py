"""A small world of enterprises and contacts for the notice tests: three enterprises
(German manufacturing, Japanese finance, Korean manufacturing), a chamber holding the first
two, and contacts reading Chinese, English, Japanese and Korean, one with a portal account
for each language, one without an address, and a chamber secretary who speaks for two."""

from dataclasses import dataclass

from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.notices import services
from roundtable.notices.models import Notice
from tests import factories


@dataclass
class World:
    de: Enterprise
    jp: Enterprise
    kr: Enterprise
    chamber: Association
    users: dict
    contacts: dict


def contact(enterprise, name, language, *, email=True, user=None):
    address = user.email if user else f"{name.lower()}@example.test"
    return EnterpriseContact.objects.create(
        enterprise=enterprise,
        name=name,
        email=address if email else "",
        preferred_language=language,
        user=user,
    )


def account(username, language):
    return factories.UserFactory(
        username=username,
        preferred_language=language,
        full_name=username.title(),
        is_enterprise_contact=True,
    )


def build() -> World:
    de = factories.EnterpriseFactory(
        name_en="Rhein Tools", name_zh="莱茵工具有限公司", country="DE", industry="制造业"
    )
    jp = factories.EnterpriseFactory(
        name_en="Sakura Finance", name_zh="樱花金融有限公司", country="JP", industry="Finance"
    )
    kr = factories.EnterpriseFactory(
        name_en="Hangang Motors", name_zh="汉江汽车有限公司", country="KR", industry="Manufacturing"
    )
    chamber = Association.objects.create(
        name_zh="欧洲商会", name_en="European Chamber", kind=Association.Kind.CHAMBER
    )
    chamber.enterprises.set([de, jp])
    users = {
        "zh": account("contact_zh", "zh-hans"),
        "en": account("contact_en", "en"),
        "ja": account("contact_ja", "ja"),
        "ko": account("contact_ko", "ko"),
    }
    contacts = {
        "zh": contact(de, "Wang", "zh-hans", user=users["zh"]),
        "en": contact(de, "Miller", "en", user=users["en"]),
        "ja": contact(jp, "Sato", "ja", user=users["ja"]),
        "ko": contact(kr, "Kim", "ko", user=users["ko"]),
        # No account: e-mail only, in the contact's recorded language.
        "ja_mail": contact(jp, "Tanaka", "ja"),
        # Neither account nor address: cannot be reached.
        "silent": contact(kr, "Park", "ko", email=False),
        # The English reader also speaks for the Japanese enterprise (a second link of the
        # same account, a chamber's secretary, say): one notice, not two.
        "en_again": contact(jp, "Miller", "en", user=users["en"]),
    }
    return World(de, jp, kr, chamber, users, contacts)


NOTICE = {
    "kind": Notice.Kind.INCENTIVE,
    "title_zh": "研发费用加计扣除政策解读",
    "body_zh": "符合条件的企业可享受研发费用加计扣除。\n\n申报截止日期为12月31日。",
    "title_en": "R&D expense super-deduction explained",
    "body_en": "Eligible enterprises may deduct R&D expenses at 200%.\n\nApply by 31 December.",
    "title_ja": "",
    "body_ja": "",
    "title_ko": "연구개발비 추가 공제 안내",
    "body_ko": "요건을 갖춘 기업은 연구개발비 추가 공제를 받을 수 있습니다.",
    "target": Notice.Target.ALL,
    "target_industries": [],
    "target_countries": [],
}


def notice(staff, **changes) -> Notice:
    associations = changes.pop("associations", ())
    enterprises = changes.pop("enterprises", ())
    return services.notice_create(
        actor=staff,
        data={**NOTICE, **changes},
        associations=associations,
        enterprises=enterprises,
    )
