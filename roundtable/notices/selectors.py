"""Reads of notices: whom a notice's target reaches, the preview of its languages, its
delivery counts, and the reach per quarter the chair's dashboard shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib import industries
from roundtable.notices.languages import reader_language, version_for
from roundtable.notices.models import Notice, NoticeDelivery


def target_enterprises(notice: Notice):
    """The active enterprises the notice's target names."""
    qs = Enterprise.objects.active()
    target = notice.target
    if target == Notice.Target.INDUSTRY:
        names = [
            name
            for letter, zh, en in industries.SECTIONS
            if letter in notice.target_industries
            for name in (zh, en)
        ]
        match = Q(pk__in=[])
        for name in names:
            match |= Q(industry__iexact=name)
        return qs.filter(match)
    if target == Notice.Target.COUNTRY:
        return qs.filter(country__in=notice.target_countries)
    if target == Notice.Target.ASSOCIATION:
        return qs.filter(
            associations__in=notice.target_associations.values("pk") if notice.pk else []
        ).distinct()
    if target == Notice.Target.ENTERPRISES:
        return qs.filter(pk__in=notice.target_enterprises.values("pk") if notice.pk else [])
    return qs


def current_contacts():
    """The contacts a notice can go to now: those whose link to their enterprise still
    stands (``EnterpriseContact.objects.active()``); a contact whose link ended gets nothing
    more through that enterprise."""
    return EnterpriseContact.objects.active()


@dataclass
class Recipient:
    key: str
    name: str
    email: str
    user_id: int | None
    contact_id: int
    enterprise_id: int
    enterprise_name: str
    language: str
    version: str = ""

    @property
    def falls_back(self) -> bool:
        return self.version != self.language


def recipients(notice: Notice) -> tuple[list[Recipient], int]:
    """The people the notice goes to, one per person (a contact with a portal account is that
    account; else their e-mail address), with the version each gets; and how many targeted
    contacts have neither an account nor an address (they cannot be reached)."""
    enterprises = target_enterprises(notice)
    contacts = (
        current_contacts()
        .filter(enterprise__in=enterprises)
        .select_related("user", "enterprise")
        .order_by("enterprise__name_zh", "-is_primary", "name", "pk")
    )
    available = notice.languages
    found: dict[str, Recipient] = {}
    emails: set[str] = set()
    unreachable = 0
    # Contacts with an account first: a contact row without one whose address is an
    # account's is the same person.
    ordered = sorted(contacts, key=lambda c: not (c.user_id and c.user.is_active))
    for contact in ordered:
        user = contact.user if contact.user_id and contact.user.is_active else None
        email = (user.email if user and user.email else contact.email or "").strip()
        if user is not None:
            key = f"user:{user.pk}"
            language = reader_language(user.preferred_language)
        elif email:
            key = f"email:{email.lower()}"
            language = reader_language(contact.preferred_language)
        else:
            unreachable += 1
            continue
        if key in found or (user is None and email.lower() in emails):
            continue
        emails.add(email.lower())
        found[key] = Recipient(
            key=key,
            name=(user.display_name if user else "") or contact.name,
            email=email,
            user_id=user.pk if user else None,
            contact_id=contact.pk,
            enterprise_id=contact.enterprise_id,
            enterprise_name=contact.enterprise.name,
            language=language,
            version=version_for(language, available),
        )
    people = sorted(found.values(), key=lambda p: (p.enterprise_name, p.name, p.key))
    return people, unreachable


@dataclass
class Preview:
    total: int = 0
    unreachable: int = 0
    enterprises: int = 0
    # version language → how many get that version
    by_version: Counter = field(default_factory=Counter)
    # (reader language, version language) → how many, for those who fall back
    fallbacks: Counter = field(default_factory=Counter)
    fallback_people: list[Recipient] = field(default_factory=list)
    without_email: int = 0


def preview(notice: Notice) -> Preview:
    people, unreachable = recipients(notice)
    result = Preview(total=len(people), unreachable=unreachable)
    result.enterprises = len({p.enterprise_id for p in people})
    for person in people:
        result.by_version[person.version] += 1
        if person.falls_back:
            result.fallbacks[(person.language, person.version)] += 1
            result.fallback_people.append(person)
        if not person.email:
            result.without_email += 1
    return result


def delivery_counts(notice: Notice) -> dict[str, int]:
    """Delivered, failed, pending and read counts of a sent notice, in one query."""
    delivered = Q(status__in=NoticeDelivery.DELIVERED)
    return NoticeDelivery.objects.filter(notice=notice).aggregate(
        total=Count("pk"),
        delivered=Count("pk", filter=delivered),
        failed=Count("pk", filter=Q(status=NoticeDelivery.Status.FAILED)),
        pending=Count(
            "pk",
            filter=Q(
                status__in=[
                    NoticeDelivery.Status.QUEUED,
                    NoticeDelivery.Status.CLAIMED,
                    NoticeDelivery.Status.RETRY,
                ]
            ),
        ),
        read=Count("pk", filter=Q(read_at__isnull=False)),
    )


def reach(start: datetime, end: datetime) -> dict[str, int]:
    """The reach of the notices sent in [start, end): how many notices, how many people and
    enterprises they were delivered to, and how many of those read them. Numbers only, so the
    dashboard can cache one value for every reader."""
    deliveries = NoticeDelivery.objects.filter(notice__sent_at__gte=start, notice__sent_at__lt=end)
    counts = deliveries.aggregate(
        recipients=Count("pk"),
        delivered=Count("pk", filter=Q(status__in=NoticeDelivery.DELIVERED)),
        failed=Count("pk", filter=Q(status=NoticeDelivery.Status.FAILED)),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        enterprises=Count(
            "enterprise", distinct=True, filter=Q(status__in=NoticeDelivery.DELIVERED)
        ),
    )
    counts["notices"] = Notice.objects.filter(sent_at__gte=start, sent_at__lt=end).count()
    return counts
