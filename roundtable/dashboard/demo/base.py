"""The base set: the institution, people, enterprises, meetings and ~150 issues.

``load_base`` builds it in one transaction, through the services users go through, so the
demo obeys their rules and keeps history rows: ``accounts.services`` (accounts, memberships),
``meetings.services`` (the roundtable, its seats, meetings: ``meetings.py``; the enterprises'
concerns: ``concerns.py``),
``enterprises.services`` (enterprises, contacts) and ``issues.services`` (each issue's story,
planned in ``plan.py`` and told in ``issues.py``).

Written directly, because no service does it: the first administrator (as ``createsuperuser``
makes one), departments, categories and associations (the Django admin makes them), the demo
password (one hash for every demo account: accounts an administrator makes set their own
password through an invitation), and a few unread notices. The services stamp what they do
with the time they run; the story happened over the past years, so afterwards ``backdate``,
``MeetingBuilder`` and ``IssueWriter.finish`` set creation, publication and response times, and
the leading department's seat its start, with ``queryset.update``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation

from departments.models import Department
from issues.models import Assignment, Category, Issue, SpecialStudy
from roundtable.accounts import services as account_services
from roundtable.accounts.models import Language, Role, User
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.concerns import build_concerns
from roundtable.dashboard.demo.content import at, say
from roundtable.dashboard.demo.issues import IssueWriter
from roundtable.dashboard.demo.meetings import build_meetings
from roundtable.dashboard.demo.notices import build_notices
from roundtable.dashboard.demo.plan import plan_issues
from roundtable.dashboard.demo.portal import build_portal_contacts
from roundtable.enterprises import services as enterprise_services
from roundtable.enterprises.models import Association, Enterprise
from roundtable.lib.phrases import Phrase
from roundtable.lib.uscc import ALPHABET
from roundtable.meetings import services as meeting_services
from roundtable.meetings.models import IntakeItem, Meeting, Roundtable, RoundtableSeat
from roundtable.notifications.models import Notification

Status = Issue.Status


def is_loaded() -> bool:
    return Roundtable.objects.filter(name_zh=c.ROUNDTABLE_NAME_ZH).exists()


def load_base(out=None) -> dict[str, int] | None:
    """Build the base set, or return None when it is already there."""
    if is_loaded():
        return None
    with transaction.atomic():
        counts = BaseLoader(out).run()
        Issue.objects.filter(lead_department__isnull=True).sync_lead_department()
        return counts


class BaseLoader:
    """Everything is drawn from one seeded ``rng`` and dated relative to ``today``."""

    def __init__(self, out=None):
        self.out = out
        self.rng = random.Random(c.SEED)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.password = make_password(c.DEMO_PASSWORD)
        self.founded = date(self.today.year - 3, 6, 1)
        self.users: dict[str, User] = {}
        self.departments: dict[str, Department] = {}
        self.liaisons: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        self.categories: dict[str, Category] = {}
        self.enterprises: list[Enterprise] = []
        self.counts: dict[str, int] = {}

    def stamp(self, day: date, hour: int | None = None) -> datetime:
        """A time during office hours on ``day``, never in the future."""
        hour = self.rng.randint(9, 17) if hour is None else hour
        moment = at(day, hour, self.rng.randint(0, 59))
        return min(moment, self.now - timedelta(minutes=self.rng.randint(5, 90)))

    def run(self) -> dict[str, int]:
        self.build_people_and_departments()
        self.build_roundtable()
        self.build_categories()
        self.build_enterprises()
        build_meetings(self)
        self.build_issues()
        build_portal_contacts(self)
        self.build_notifications()
        self.backdate()
        # Today's concerns in the intake queue (one accepted: a new ledger issue, not backdated).
        build_concerns(self)
        # Last: the notices go to every contact the demo made, the enterprise side's included.
        build_notices(self)
        return self.counts

    # -- people and departments --

    def bootstrap_admin(self, person: c.Person) -> User:
        """The first administrator, as ``createsuperuser`` makes one: every other account is
        created by this one through ``accounts.services``."""
        admin = User.objects.create(
            username=person.username,
            full_name=person.name,
            title=person.title,
            email=f"{person.username}@example.gov.cn",
            preferred_language=person.language,
            is_staff=True,
            is_superuser=True,
        )
        admin.groups.set(Group.objects.filter(name__in=person.roles))
        return admin

    def user(self, username, full_name, *, title="", roles=(), language=Language.CHINESE, **kw):
        user = User.objects.filter(username=username).first()
        if user is not None:
            say(self.out, f"User {username} already exists: kept (password unchanged).\n")
        elif not self.users and username == c.PEOPLE[0].username:
            user = self.bootstrap_admin(c.PEOPLE[0])
            self.new_users.append(user.pk)
        else:
            user = account_services.user_create(
                actor=self.users["admin"],
                username=username,
                email=f"{username}@example.gov.cn",
                full_name=full_name,
                title=title,
                preferred_language=language,
                role_names=roles,
                invite=False,
                **kw,
            )
            self.new_users.append(user.pk)
        self.users[username] = user
        return user

    def build_people_and_departments(self):
        self.new_users: list[int] = []
        for person in c.PEOPLE:
            self.user(
                person.username,
                person.name,
                title=person.title,
                roles=person.roles,
                language=person.language,
            )
        for i, spec in enumerate(c.DEPARTMENTS, start=1):
            self.build_department(i, spec)
        admin = self.users["admin"]
        for username, user in self.users.items():
            if username.endswith("_former"):
                account_services.user_deactivate(actor=admin, user=user)
        # The demo password, hashed once (there is no service setting someone else's password:
        # accounts made by an administrator set their own through an invitation).
        User.objects.filter(pk__in=self.new_users).update(password=self.password)
        # History: the tax bureau's liaison changed last year.
        account_services.membership_add(
            actor=admin,
            user=self.users["liaison_tax_former"],
            department=self.departments["tax"],
            role="liaison",
            started_on=self.founded,
            ended_on=date(self.today.year - 1, 2, 28),
        )
        self.staff = [self.users[u] for u in ("staff", "staff2", "staff3", "staff4")]
        self.chairs = [self.users["chair"], self.users["deputy"], self.heads["com"]]
        self.counts["departments"] = len(self.departments)

    def build_department(self, i: int, spec: c.DepartmentSpec) -> None:
        """A department (no service: the Django admin makes them), its head and liaison."""
        code = spec.code
        dept, _ = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "office_phone": f"023-6000-0{i:03d}",
                "email": f"{code}@example.gov.cn",
                "sort_order": (i + 1) * 10,  # the content's order is the official one
            },
        )
        self.departments[code] = dept
        short = spec.name_zh.removeprefix("区")
        leading = code == c.LEADING_DEPARTMENT
        people = []
        for (username, name), title, roles, digit in (
            (spec.head, f"{short}{spec.head_title}", [Role.CHAIR] if leading else [], 1),
            (spec.liaison, f"{short}联络员", [Role.COMMERCE_STAFF] if leading else [], 2),
        ):
            language = Language.ENGLISH if username in c.DEMO_LOGINS else Language.CHINESE
            people.append(
                self.user(
                    username,
                    name,
                    title=title,
                    roles=roles,
                    language=language,
                    office_phone=f"023-6000-{digit}{i:03d}",
                    mobile=f"139-0000-{digit}{i:03d}",
                )
            )
        head, liaison = people
        self.heads[code], self.liaisons[code] = head, liaison
        # The tax bureau's liaison took over last year.
        liaison_from = date(self.today.year - 1, 3, 1) if code == "tax" else self.founded
        for person, role, started_on in (
            (head, "head", self.founded),
            (liaison, "liaison", liaison_from),
        ):
            account_services.membership_add(
                actor=self.users["admin"],
                user=person,
                department=dept,
                role=role,
                started_on=started_on,
            )

    # -- the roundtable --

    def build_roundtable(self):
        admin, leading = self.users["admin"], self.departments[c.LEADING_DEPARTMENT]
        self.roundtable = meeting_services.roundtable_save(
            actor=admin,
            name_zh=c.ROUNDTABLE["name_zh"],
            name_en=c.ROUNDTABLE["name_en"],
            jurisdiction=c.ROUNDTABLE["jurisdiction"],
            leading_department=leading,
            cadence=Roundtable.Cadence.QUARTERLY,
        )
        # The leading department's seat dates from the roundtable's founding, not today.
        self.roundtable.seats.update(started_on=self.founded)
        Seat = RoundtableSeat.Role
        founded = self.founded
        first_chair = meeting_services.seat_add(
            actor=admin,
            roundtable=self.roundtable,
            role=Seat.CHAIR,
            user=self.users["chair_former"],
            started_on=founded,
        )
        meeting_services.seat_change(
            actor=admin,
            seat=first_chair,
            changed_on=date(self.today.year - 2, 3, 1),
            user=self.users["chair"],
        )
        seats = [
            (Seat.DEPUTY_CHAIR, self.users["deputy"], None),
            (Seat.DEPUTY_CHAIR, self.heads["com"], None),
            (Seat.SECRETARIAT, self.users["staff"], None),
        ]
        seats += [(Seat.SAFEGUARD_TEAM, u, None) for u in self.staff[1:]]
        seats += [(Seat.MEMBER_DEPARTMENT, None, d) for d in self.departments.values()]
        for role, user, dept in seats:
            meeting_services.seat_add(
                actor=admin,
                roundtable=self.roundtable,
                role=role,
                user=user,
                department=dept,
                started_on=founded,
            )
        self.counts["seats"] = self.roundtable.seats.count()

    def build_categories(self):
        """The issue categories (no service: the Django admin makes them)."""
        # In the content's order, the official one ("Other" last): Chinese lists follow it.
        for n, (code, zh, en) in enumerate(c.CATEGORIES, start=1):
            self.categories[code], _ = Category.objects.get_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": n * 10}
            )

    # -- enterprises --

    def credit_code(self, taken: set[str]) -> str:
        while True:
            code = c.make_uscc("MA" + "".join(self.rng.choice(ALPHABET) for _ in range(7)))
            if code not in taken:
                taken.add(code)
                return code

    def build_associations(self) -> list[tuple[Association, list | None]]:
        """Chambers and associations (no service: the Django admin makes them); enterprises
        join them as they are registered."""
        self.associations = []
        rows = []
        for spec in c.ASSOCIATIONS:
            association = Association.objects.create(
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                kind=spec["kind"],
                country=spec["country"],
            )
            self.associations.append(association)
            rows.append((association, spec.get("members")))
        return rows

    def build_enterprises(self):
        rng = self.rng
        officials = [self.users["deputy"], self.heads["com"], self.users["chair"]]
        taken = set(Enterprise.objects.values_list("credit_code", flat=True))
        associations = self.build_associations()
        self._contact_no = 0
        for i, spec in enumerate(c.ENTERPRISES):
            size, country = spec["size"], spec["country"]
            joins = [
                a
                for a, members in associations
                if (members is None and rng.random() < 0.4) or (members and country in members)
            ]
            enterprise = enterprise_services.enterprise_create(
                actor=self.staff[0],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                credit_code=self.credit_code(taken),
                country=country,
                industry=spec["industry"],
                business_field=spec["business_field"],
                address=rng.choice(c.ADDRESSES).format(n=rng.randint(1, 299), f=rng.randint(2, 40)),
                size=size,
                designated_official=officials[i % 3] if size in ("large", "medium") else None,
                service_contact=self.staff[i % len(self.staff)],
                visit_interval_days=60 if size == "large" else 90,
                associations=joins,
            )
            self.enterprises.append(enterprise)
            self.build_contacts(enterprise)
        self.counts["enterprises"] = len(self.enterprises)

    def build_contacts(self, enterprise: Enterprise) -> None:
        rng = self.rng
        foreign = rng.choice(c.FOREIGN_CONTACTS[enterprise.country.code])
        people = [(foreign, Language.ENGLISH if foreign.isascii() else Language.CHINESE)]
        if rng.random() < 0.6:
            people.append((rng.choice(c.LOCAL_CONTACTS), Language.CHINESE))
        for n, (name, language) in enumerate(people):
            self._contact_no += 1
            enterprise_services.contact_save(
                actor=enterprise.service_contact,
                enterprise=enterprise,
                name=name,
                title=c.CONTACT_TITLES[0] if n == 0 else rng.choice(c.CONTACT_TITLES[1:]),
                phone=f"138-0000-{self._contact_no:04d}",
                email=f"contact{self._contact_no:03d}@example.com",
                preferred_language=language,
                is_primary=n == 0,
            )

    # -- issues --

    def build_issues(self):
        specs = plan_issues(self)
        study = c.STUDY
        self.study = SpecialStudy.objects.create(
            title=study["title"],
            lead_department=self.departments[study["lead"]],
            description=study["description"],
            findings=study["findings"],
            status=SpecialStudy.Status.IN_STUDY,
            created_by=self.users["staff"],
        )
        writer = IssueWriter(self)
        for spec in specs:
            writer.write(spec)
        self.counts["issues"] = len(specs)
        self.counts["updates"] = writer.finish()

    def build_notifications(self):
        """A few unread notices, so the demo logins have something in their inbox: phrases
        (lib/phrases.py), as the services write them, worded in each reader's language."""
        rows = []
        pnr = self.departments["pnr"]

        def notice(user, issue, what, why):
            title = Phrase("notice.title", reference=issue.reference, what=Phrase(what))
            reason = Phrase(why)
            with translation.override(user.preferred_language or None):
                return Notification(
                    recipient=user,
                    issue=issue,
                    title=str(title),
                    reason=str(reason),
                    title_phrase=title.data,
                    reason_phrase=reason.data,
                    url=f"/issues/{issue.pk}/",
                )

        for a in Assignment.objects.filter(department=pnr, is_current=True, status="pending"):
            for user in (self.liaisons["pnr"], self.heads["pnr"]):
                rows.append(notice(user, a.issue, "notice.assigned", "why.assigned"))
        for issue in Issue.objects.filter(status__in=[Status.RETURNED, Status.CONCLUSION_REPORTED]):
            if issue.status == Status.RETURNED:
                what, why = "notice.returned_to_staff", "why.returned"
            else:
                what, why = "notice.conclusion", "why.conclusion"
            rows.append(notice(self.users["staff"], issue, what, why))
        Notification.objects.bulk_create(rows)

    def backdate(self):
        """Creation times that fit the story (``auto_now_add`` stamped them all today)."""
        span = max(1, (self.today - timedelta(days=400) - self.founded).days)
        for e in self.enterprises:
            day = self.founded + timedelta(self.rng.randint(0, span))
            Enterprise.objects.filter(pk=e.pk).update(created_at=at(day, 10))
        for m in Meeting.objects.filter(roundtable=self.roundtable):
            earliest = self.now - timedelta(days=10)
            created = min(m.starts_at - timedelta(days=self.rng.randint(7, 30)), earliest)
            Meeting.objects.filter(pk=m.pk).update(created_at=created)
            IntakeItem.objects.filter(meeting=m).update(
                created_at=min(created + timedelta(days=3), self.now - timedelta(days=5))
            )
        first = self.study.issues.order_by("raised_on").values_list("raised_on", flat=True)[:1]
        if first:
            SpecialStudy.objects.filter(pk=self.study.pk).update(
                created_at=at(first[0] + timedelta(days=30), 10)
            )
