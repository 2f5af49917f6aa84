"""The demo's enterprise contacts with portal accounts (issue 17): ``contact_ja``,
``contact_ko``, ``contact_en`` and ``contact_zh``, each a contact of an enterprise of the base
set, invited through ``enterprises.services.contact_invite`` as staff would, with the demo
password set (the invitation would have them choose one). Invented people, example.com
addresses."""

from __future__ import annotations

from roundtable.accounts.models import Language, User
from roundtable.enterprises import services as enterprise_services
from roundtable.enterprises.models import Enterprise

# username, name, job title, language, the enterprise's country (the first such enterprise),
# phone (invented, the demo's series)
CONTACTS = [
    ("contact_ja", "佐藤 美咲", "総務部長", Language.JAPANESE, "JP", "138-0000-9001"),
    ("contact_ko", "김 서연", "대외협력 팀장", Language.KOREAN, "KR", "138-0000-9002"),
    (
        "contact_en",
        "Emma Hartley",
        "Government Relations Manager",
        Language.ENGLISH,
        "US",
        "138-0000-9003",
    ),
    ("contact_zh", "陈嘉怡", "行政经理", Language.CHINESE, "SG", "138-0000-9004"),
]


def build_portal_contacts(loader) -> None:
    staff = loader.staff[0]
    used: set[int] = set()
    for username, name, title, language, country, phone in CONTACTS:
        if User.objects.filter(username=username).exists():
            continue
        enterprise = (
            Enterprise.objects.filter(country=country).exclude(pk__in=used).order_by("pk").first()
            or Enterprise.objects.exclude(pk__in=used).order_by("pk").first()
        )
        if enterprise is None:
            return
        used.add(enterprise.pk)
        email = f"{username}@example.com"
        contact = enterprise_services.contact_save(
            actor=staff,
            enterprise=enterprise,
            name=name,
            title=title,
            phone=phone,
            email=email,
            preferred_language=language,
            is_primary=False,
        )
        # The account as an invitation's link leaves it (a login name of the demo's, the
        # demo password); contact_invite links it to the enterprise and queues the mail.
        user = User(
            username=username,
            email=email,
            full_name=name,
            title=title,
            preferred_language=language,
            is_enterprise_contact=True,
            password=loader.password,
        )
        user.save()
        contact.user = user
        contact.save(update_fields=["user"])
        enterprise_services.contact_invite(actor=staff, contact=contact)
    loader.counts["portal contacts"] = len(used)
