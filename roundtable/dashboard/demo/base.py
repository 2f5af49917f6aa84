"""The base set: the institution, people, enterprises, meetings and ~150 issues.

``load_base`` builds it in one transaction: ``BaseLoader`` here makes the people, departments,
the roundtable and the enterprises; ``meetings.py`` the meetings; ``plan.py`` decides what
each issue goes through and ``issues.py`` takes it through the issue services.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues.models import Assignment, Category, Issue, Notification, SpecialStudy
from roundtable.accounts.models import Language, Role, User
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.content import at, say
from roundtable.dashboard.demo.issues import IssueWriter
from roundtable.dashboard.demo.meetings import build_meetings
from roundtable.dashboard.demo.plan import plan_issues
from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.lib.uscc import ALPHABET
from roundtable.meetings.models import IntakeItem, Meeting, Roundtable, RoundtableSeat

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
        self.build_notifications()
        self.backdate()
        return self.counts

    # -- people and departments --

    def user(self, username, full_name, *, title="", groups=(), language=Language.CHINESE, **kw):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "title": title,
                "email": f"{username}@example.gov.cn",
                "preferred_language": language,
                "password": self.password,
                **kw,
            },
        )
        if not created:
            say(self.out, f"User {username} already exists: kept (password unchanged).\n")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        self.users[username] = user
        return user

    def build_people_and_departments(self):
        for person in c.PEOPLE:
            extra = {}
            if person.username == "admin":
                extra = {"is_staff": True, "is_superuser": True}
            if person.username.endswith("_former"):
                extra = {"is_active": False}
            self.user(
                person.username,
                person.name,
                title=person.title,
                groups=person.roles,
                language=person.language,
                **extra,
            )
        for i, spec in enumerate(c.DEPARTMENTS, start=1):
            self.build_department(i, spec)
        # History: the tax bureau's liaison changed last year.
        DepartmentMembership.objects.filter(
            department=self.departments["tax"], user=self.liaisons["tax"]
        ).update(started_on=date(self.today.year - 1, 3, 1))
        DepartmentMembership.objects.create(
            department=self.departments["tax"],
            user=self.users["liaison_tax_former"],
            role="liaison",
            office_phone="023-6000-2099",
            started_on=self.founded,
            ended_on=date(self.today.year - 1, 2, 28),
        )
        self.staff = [self.users[u] for u in ("staff", "staff2", "staff3", "staff4")]
        self.chairs = [self.users["chair"], self.users["deputy"], self.heads["com"]]
        self.counts["departments"] = len(self.departments)

    def build_department(self, i: int, spec: c.DepartmentSpec) -> None:
        code = spec.code
        dept, _ = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "office_phone": f"023-6000-0{i:03d}",
                "email": f"{code}@example.gov.cn",
            },
        )
        self.departments[code] = dept
        short = spec.name_zh.removeprefix("区")
        leading = code == c.LEADING_DEPARTMENT
        people = []
        for (username, name), title, groups, digit in (
            (spec.head, f"{short}{spec.head_title}", [Role.CHAIR] if leading else [], 1),
            (spec.liaison, f"{short}联络员", [Role.COMMERCE_STAFF] if leading else [], 2),
        ):
            language = Language.ENGLISH if username in c.DEMO_LOGINS else Language.CHINESE
            people.append(
                self.user(
                    username,
                    name,
                    title=title,
                    groups=groups,
                    language=language,
                    office_phone=f"023-6000-{digit}{i:03d}",
                    mobile=f"139-0000-{digit}{i:03d}",
                )
            )
        head, liaison = people
        self.heads[code], self.liaisons[code] = head, liaison
        for person, role in ((head, "head"), (liaison, "liaison")):
            DepartmentMembership.objects.create(
                department=dept,
                user=person,
                role=role,
                office_phone=person.office_phone,
                mobile=person.mobile,
                started_on=self.founded,
            )

    # -- the roundtable --

    def build_roundtable(self):
        leading = self.departments[c.LEADING_DEPARTMENT]
        self.roundtable = Roundtable.objects.create(
            name_zh=c.ROUNDTABLE["name_zh"],
            name_en=c.ROUNDTABLE["name_en"],
            jurisdiction=c.ROUNDTABLE["jurisdiction"],
            leading_department=leading,
            cadence=Roundtable.Cadence.QUARTERLY,
        )
        Seat = RoundtableSeat.Role
        founded = self.founded
        changed = date(self.today.year - 2, 3, 1)
        seats = [
            (Seat.CHAIR, self.users["chair_former"], None, founded, changed - timedelta(1)),
            (Seat.CHAIR, self.users["chair"], None, changed, None),
            (Seat.DEPUTY_CHAIR, self.users["deputy"], None, founded, None),
            (Seat.DEPUTY_CHAIR, self.heads["com"], None, founded, None),
            (Seat.LEADING_DEPARTMENT, None, leading, founded, None),
            (Seat.SECRETARIAT, self.users["staff"], None, founded, None),
            (Seat.SECRETARIAT, None, leading, founded, None),
        ]
        seats += [(Seat.SAFEGUARD_TEAM, u, None, founded, None) for u in self.staff[1:]]
        seats += [
            (Seat.MEMBER_DEPARTMENT, None, d, founded, None) for d in self.departments.values()
        ]
        for role, user, dept, start, end in seats:
            RoundtableSeat.objects.create(
                roundtable=self.roundtable,
                role=role,
                user=user,
                department=dept,
                started_on=start,
                ended_on=end,
            )
        self.counts["seats"] = len(seats)

    def build_categories(self):
        for code, zh, en in c.CATEGORIES:
            self.categories[code], _ = Category.objects.get_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en}
            )

    # -- enterprises --

    def credit_code(self, taken: set[str]) -> str:
        while True:
            code = c.make_uscc("MA" + "".join(self.rng.choice(ALPHABET) for _ in range(7)))
            if code not in taken:
                taken.add(code)
                return code

    def build_enterprises(self):
        rng = self.rng
        officials = [self.users["deputy"], self.heads["com"], self.users["chair"]]
        taken = set(Enterprise.objects.values_list("credit_code", flat=True))
        self._contact_no = 0
        for i, spec in enumerate(c.ENTERPRISES):
            size = spec["size"]
            enterprise = Enterprise.objects.create(
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                credit_code=self.credit_code(taken),
                country=spec["country"],
                industry=spec["industry"],
                business_field=spec["business_field"],
                address=rng.choice(c.ADDRESSES).format(n=rng.randint(1, 299), f=rng.randint(2, 40)),
                size=size,
                designated_official=officials[i % 3] if size in ("large", "medium") else None,
                service_contact=self.staff[i % len(self.staff)],
                visit_interval_days=60 if size == "large" else 90,
            )
            self.enterprises.append(enterprise)
            self.build_contacts(enterprise)
        self.associations = []
        for spec in c.ASSOCIATIONS:
            association = Association.objects.create(
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                kind=spec["kind"],
                country=spec["country"],
            )
            members = spec.get("members")
            chosen = [
                e
                for e in self.enterprises
                if (members is None and rng.random() < 0.4)
                or (members and e.country.code in members)
            ]
            association.enterprises.set(chosen)
            self.associations.append(association)
        self.counts["enterprises"] = len(self.enterprises)

    def build_contacts(self, enterprise: Enterprise) -> None:
        rng = self.rng
        foreign = rng.choice(c.FOREIGN_CONTACTS[enterprise.country.code])
        people = [(foreign, Language.ENGLISH if foreign.isascii() else Language.CHINESE)]
        if rng.random() < 0.6:
            people.append((rng.choice(c.LOCAL_CONTACTS), Language.CHINESE))
        for n, (name, language) in enumerate(people):
            self._contact_no += 1
            EnterpriseContact.objects.create(
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
        """A few unread notices, so the demo logins have something in their inbox."""
        texts = c.TEXTS["other"]
        rows = []
        pnr = self.departments["pnr"]
        for a in Assignment.objects.filter(department=pnr, is_current=True, status="pending"):
            for user in (self.liaisons["pnr"], self.heads["pnr"]):
                rows.append(
                    Notification(
                        recipient=user,
                        issue=a.issue,
                        title=texts["notice_assigned"].format(reference=a.issue.reference),
                        reason=texts["notice_assigned_reason"],
                        url=f"/issues/{a.issue.pk}/",
                    )
                )
        for issue in Issue.objects.filter(status__in=[Status.RETURNED, Status.CONCLUSION_REPORTED]):
            what = "returned" if issue.status == Status.RETURNED else "concluded"
            rows.append(
                Notification(
                    recipient=self.users["staff"],
                    issue=issue,
                    title=texts[f"notice_{what}"].format(reference=issue.reference),
                    reason=texts["notice_staff_reason"],
                    url=f"/issues/{issue.pk}/",
                )
            )
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
