"""Synthetic users in bulk, for load tests and bench/ (``add_users``; the enterprises and the
issues are ``bulk.py``'s): a few liaisons per department, some commerce staff, and most of them
enterprise contacts with portal accounts, as a district's portal has them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from roundtable.accounts.models import Language, Role, User
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo import texts
from roundtable.dashboard.demo.bulk import SYNTHETIC_CODE_PREFIX
from roundtable.dashboard.demo.content import say
from roundtable.enterprises.models import EnterpriseContact

SYNTHETIC_USERNAME = "bulk_user_{n:04d}"


def add_users(count: int, *, out=None) -> int:
    """Add ``count`` synthetic users, as a district's portal has them (``[people]`` in
    ``content/bulk.toml``): a few liaisons per department (more in the busy ones), some
    commerce staff, and most of them enterprise contacts with portal accounts, each linked to
    a synthetic enterprise's contact that has none yet (a liaison when none is left). All with
    the demo password (hashed once) and invented names and placeholder numbers
    (023-6000-5xxx, 139-0000-5xxx).

    A department has a handful of liaisons, not dozens: every one of them gets the
    department's deadline reminders, so 500 liaisons over 15 departments (what this loader
    made before) sent each of them 95 reminders a day at 100,000 issues."""
    if count <= 0:
        return 0
    start = User.objects.filter(username__startswith="bulk_user_").count() + 1
    rng = random.Random(c.SEED + 3 + start)
    drawer = texts.TextDrawer(rng, [])
    people = texts.PARTS["people"]
    depts = dict(Department.objects.filter(is_active=True).values_list("code", "pk"))
    if not depts:
        raise ValueError("no departments: load the base set first")
    weights = people["department_weights"]
    codes = sorted(depts)
    code_weights = [weights.get(code, 1) for code in codes]
    contacts = list(
        EnterpriseContact.objects.filter(
            user__isnull=True, enterprise__credit_code__startswith=SYNTHETIC_CODE_PREFIX
        ).order_by("pk")
    )
    contacts.reverse()  # popped from the end: the oldest first
    languages = [Language.CHINESE, Language.ENGLISH, Language.JAPANESE, Language.KOREAN]
    password = make_password(c.DEMO_PASSWORD)
    today, now = timezone.localdate(), timezone.now()
    users, plan = [], []
    for n in range(start, start + count):
        draw = rng.random()
        kind = (
            "staff"
            if draw < people["staff_share"]
            else "liaison"
            if draw < people["staff_share"] + people["liaison_share"] or not contacts
            else "contact"
        )
        contact = contacts.pop() if kind == "contact" else None
        if contact is not None:
            language = rng.choices(languages, people["contact_language_weights"])[0]
            users.append(
                User(
                    username=SYNTHETIC_USERNAME.format(n=n),
                    full_name=contact.name,
                    title=contact.title,
                    email=contact.email,
                    mobile=contact.phone,
                    preferred_language=language,
                    is_enterprise_contact=True,
                    password=password,
                )
            )
            plan.append((kind, contact, language))
            continue
        code = "com" if kind == "staff" and "com" in depts else rng.choices(codes, code_weights)[0]
        short = next(d.name_zh for d in c.DEPARTMENTS if d.code == code).removeprefix("区")
        users.append(
            User(
                username=SYNTHETIC_USERNAME.format(n=n),
                full_name=drawer.person_name(),
                title=f"{short}{'科员' if kind == 'staff' else '联络员'}",
                email=f"bulk.user.{n:04d}@example.gov.cn",
                office_phone=f"023-6000-{5000 + n % 5000:04d}",
                mobile=f"139-0000-{5000 + n % 5000:04d}",
                preferred_language=Language.ENGLISH if rng.random() < 0.1 else Language.CHINESE,
                password=password,
            )
        )
        # Since after the base set's liaisons (three years ago), who stay the first named.
        plan.append((kind, depts[code], today - timedelta(days=rng.randint(30, 900))))
    with transaction.atomic():
        User.objects.bulk_create(users)
        made = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        group = Group.objects.filter(name=Role.COMMERCE_STAFF).first()
        through = User.groups.through
        through.objects.bulk_create(
            through(user_id=made[u.username], group_id=group.pk)
            for u, (kind, _d, _s) in zip(users, plan, strict=True)
            if kind == "staff" and group is not None
        )
        DepartmentMembership.objects.bulk_create(
            DepartmentMembership(
                user_id=made[u.username],
                department_id=dept,
                role=DepartmentMembership.Role.LIAISON,
                office_phone=u.office_phone,
                mobile=u.mobile,
                started_on=since,
            )
            for u, (kind, dept, since) in zip(users, plan, strict=True)
            if kind == "liaison"
        )
        linked = []
        for u, (kind, contact, language) in zip(users, plan, strict=True):
            if kind == "contact":
                contact.user_id, contact.preferred_language = made[u.username], language
                contact.invited_at = now
                linked.append(contact)
        EnterpriseContact.objects.bulk_update(
            linked, ["user", "preferred_language", "invited_at"], batch_size=1000
        )
    kinds = Counter(kind for kind, *_ in plan)
    say(
        out,
        f"  users: {count} ({kinds['liaison']} liaisons, {kinds['staff']} commerce staff, "
        f"{kinds['contact']} enterprise contacts)\n",
    )
    return count
