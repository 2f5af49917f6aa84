"""manage.py load_demo: the Yuzhong District demo, its logins, and bulk synthetic issues."""

import contextlib
import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Q
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues.models import (
    ActionUpdate,
    Assignment,
    Category,
    ExtensionRequest,
    Issue,
    ReferenceCounter,
    SpecialStudy,
)
from roundtable.accounts import roles
from roundtable.accounts.models import User
from roundtable.dashboard import demo
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib.uscc import is_valid
from roundtable.meetings.models import IntakeItem, Meeting, Roundtable, RoundtableSeat
from roundtable.notices.models import Notice, NoticeDelivery
from roundtable.workdays import services as workdays

pytestmark = pytest.mark.django_db

PASSWORD = "roundtable-demo"
DEPARTMENT_CODES = {
    "drc", "edu", "stb", "eic", "fin", "hrss", "pnr", "eco", "com", "fao", "amr", "stats", "fo",
    "tax", "fic",
}  # fmt: skip
# Given names of the real officials listed in the Dalian source document: never in the demo.
REAL_GIVEN_NAMES = [
    "Yunguang", "Heming", "Nannan", "Xidong", "Lili", "Mingyuan", "Xiaofei", "Xiaobing", "Liqun",
    "Liming",
]  # fmt: skip


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def _counters_match_issues():
    top = dict(Issue.objects.values("year").annotate(m=Max("sequence")).values_list("year", "m"))
    return top == dict(ReferenceCounter.objects.values_list("year", "last"))


# The base set is dated relative to today; its promises must hold whatever today is.
DAYS = [
    pytest.param(None, id="today"),
    pytest.param(date(2026, 10, 1), id="quarter-start-national-day"),
    pytest.param(date(2026, 2, 17), id="spring-festival"),
    pytest.param(date(2026, 12, 31), id="new-years-eve"),
    pytest.param(date(2027, 3, 15), id="unpublished-year"),
]


@pytest.mark.parametrize("day", DAYS)
def test_the_base_set_builds_the_yuzhong_roundtable(debug, day):
    clock = contextlib.nullcontext()
    if day is not None:  # 10:00 Beijing time, the clock running as the loader's would
        clock = time_machine.travel(
            datetime.combine(day, time(10), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True
        )
    with clock:
        _the_base_set_builds_the_yuzhong_roundtable()


def _the_base_set_builds_the_yuzhong_roundtable():
    out = load()
    assert "Demo data loaded" in out
    assert "roundtable-demo" in out  # the logins are printed

    # The five demo logins work, with their roles.
    users = {u.username: u for u in User.objects.filter(username__in=demo.DEMO_LOGINS)}
    assert set(users) == set(demo.DEMO_LOGINS)
    assert all(u.check_password(PASSWORD) and u.is_active for u in users.values())
    admin, chair, staff, head, liaison = (users[n] for n in demo.DEMO_LOGINS)
    assert admin.is_staff and admin.is_superuser and roles.is_administrator(admin)
    assert roles.is_chair(chair) and roles.is_commerce_staff(staff)
    pnr = Department.objects.get(code="pnr")
    assert roles.department_ids(head, role="head") == {pnr.pk}
    assert roles.department_ids(liaison, role="liaison") == {pnr.pk}
    assert {u.preferred_language for u in users.values()} == {"en"}
    assert User.objects.get(username="deputy").check_password(PASSWORD)
    assert roles.is_chair(User.objects.get(username="deputy"))

    # The institution: 15 member departments, each with a current head and liaison.
    roundtable = Roundtable.objects.get(name_zh=demo.ROUNDTABLE_NAME_ZH)
    assert roundtable.leading_department.code == "com"
    assert roundtable.cadence == Roundtable.Cadence.QUARTERLY
    members = RoundtableSeat.objects.current().filter(
        roundtable=roundtable, role=RoundtableSeat.Role.MEMBER_DEPARTMENT
    )
    assert {s.department.code for s in members} == DEPARTMENT_CODES
    assert all(d.name_zh and d.name_en for d in Department.objects.all())
    current = DepartmentMembership.objects.current()
    for role in ("head", "liaison"):
        codes = set(current.filter(role=role).values_list("department__code", flat=True))
        assert codes == DEPARTMENT_CODES
    chair_seats = RoundtableSeat.objects.filter(role=RoundtableSeat.Role.CHAIR)
    assert chair_seats.current().get().user == chair
    assert chair_seats.filter(ended_on__isnull=False).exists()  # the seat's history
    assert RoundtableSeat.objects.current().filter(role="deputy_chair").count() == 2

    # Invented people and numbers only.
    phones = [p for u in User.objects.all() for p in (u.office_phone, u.mobile) if p]
    assert all(p.startswith(("023-6000-", "139-0000-")) for p in phones)
    contacts = EnterpriseContact.objects.all()
    assert all(c.phone.startswith("138-0000-") for c in contacts)
    assert all(c.email.endswith("@example.com") for c in contacts)
    names = " ".join(contacts.values_list("name", flat=True))
    assert not any(given in names for given in REAL_GIVEN_NAMES)

    # Enterprises: at least 40 from at least 8 countries or regions, valid credit codes.
    enterprises = Enterprise.objects.all()
    assert enterprises.count() >= 40
    assert len({e.country.code for e in enterprises}) >= 8
    assert all(is_valid(e.credit_code) for e in enterprises)
    assert all(e.contacts.exists() for e in enterprises)
    assert enterprises.filter(associations__isnull=False).exists()

    # Meetings: two past roundtables with minutes, the next one open for intake.
    roundtables = Meeting.objects.roundtables()
    published = roundtables.filter(status=Meeting.Status.MINUTES_PUBLISHED)
    assert published.count() == 2 and all(m.minutes for m in published)
    assert all(m.participants.filter(attended=True).exists() for m in published)
    upcoming = roundtables.get(status=Meeting.Status.INTAKE_OPEN)
    assert upcoming.starts_at > timezone.now()
    assert upcoming.intake_items.filter(consultations__isnull=False).exists()
    assert Meeting.objects.service_visits().exists()
    assert Meeting.objects.filter(kind=Meeting.Kind.ON_SPOT).exists()

    # Issues: about 150, every status, category, source and department.
    issues = Issue.objects.all()
    assert 140 <= issues.count() <= 160
    assert set(issues.values_list("status", flat=True)) == set(Issue.Status.values)
    assert set(issues.values_list("category", flat=True)) == set(
        Category.objects.values_list("pk", flat=True)
    )
    assert set(issues.values_list("source", flat=True)) == set(Issue.Source.values)
    for role in ("lead", "co"):
        codes = Assignment.objects.filter(role=role).values_list("department__code", flat=True)
        assert set(codes) == DEPARTMENT_CODES, role
    today = timezone.localdate()
    assert issues.overdue().count() >= 5
    assert issues.due_between(today, workdays.add_working_days(today, 3)).exists()
    assert issues.filter(reopened_count__gt=0).exists()
    assert issues.filter(meeting__isnull=False).exists()
    assert issues.filter(other_enterprises__isnull=False).exists()
    assert ExtensionRequest.objects.filter(status="pending").exists()
    assert ActionUpdate.objects.filter(kind=ActionUpdate.Kind.INSTRUCTION).exists()
    study = SpecialStudy.objects.get()
    assert study.issues.values("enterprise").distinct().count() >= 3
    assert issues.values("reference").distinct().count() == issues.count()
    assert _counters_match_issues()
    assert issues.filter(raised_on__lt=today - timedelta(days=300)).exists()
    assert not issues.filter(raised_on__gt=today).exists()

    # Each issue's assignments and timeline agree with its status.
    expected_lead = {
        "assigned": "pending",
        "returned": "returned",
        "in_progress": "accepted",
        "concluded": "done",
        "closed": "done",
    }
    now = timezone.now()
    for issue in issues.prefetch_related("assignments", "updates"):
        leads = [a for a in issue.assignments.all() if a.role == "lead" and a.is_current]
        if issue.status == "logged":
            assert not leads and issue.deadline is None
        else:
            assert len(leads) == 1 and leads[0].status == expected_lead[issue.status]
            assert leads[0].responsible_person is not None
            assert issue.deadline >= issue.raised_on
        if issue.status == "returned":
            assert leads[0].return_reason
        if issue.status == "closed":
            assert issue.closed_at and issue.concluded_on and issue.satisfaction
        timeline = sorted(issue.updates.all(), key=lambda u: (u.created_at, u.pk))
        assert timeline[0].kind == ActionUpdate.Kind.LOGGED
        assert all(u.created_at <= now for u in timeline)
        steps = [u for u in timeline if u.new_status]
        assert (steps[-1].new_status if steps else "logged") == issue.status, issue.reference
        assert all(a.new_status == b.old_status for a, b in zip(steps, steps[1:], strict=False))
        assert issue.monitor is not None and roles.is_commerce_staff(issue.monitor)

    # Policy notices (issue 17): two sent, in the past, each to people of its target with
    # their delivery rows waiting for the worker; one draft in three languages.
    notices = list(Notice.objects.order_by("created_at"))
    assert [n.status for n in notices] == ["sent", "sent", "draft"]
    assert all(n.sent_at < now for n in notices[:2])
    assert notices[0].missing_languages == [] and notices[2].missing_languages == ["ko"]
    assert all(n.deliveries.exists() for n in notices[:2])
    assert not NoticeDelivery.objects.exclude(status="queued").exists()

    # Enterprises' concerns (issue 17): contact_ja's, open in the intake queue; one from the
    # public form, unverified; contact_ko's, accepted as a ledger issue of its enterprise.
    raised = IntakeItem.objects.filter(origin=IntakeItem.Origin.CONTACT)
    ja = raised.get(raised_by__username="contact_ja")
    assert ja.status == IntakeItem.Status.OPEN and ja.meeting is None
    assert ja.enterprise.contacts.filter(user__username="contact_ja").exists()
    public = IntakeItem.objects.get(origin=IntakeItem.Origin.PUBLIC)
    assert not public.verified and public.enterprise is None
    assert public.sender.email.endswith("@example.com") and is_valid(public.sender.credit_code)
    assert not Enterprise.objects.filter(credit_code=public.sender.credit_code).exists()
    accepted = raised.get(raised_by__username="contact_ko")
    assert accepted.status == IntakeItem.Status.ACCEPTED and accepted.outcome_reason
    assert accepted.issue.enterprise == accepted.enterprise
    assert accepted.issue.description == accepted.text


def test_a_second_run_keeps_the_base_set_and_adds_bulk_rows(settings, debug):
    load()
    before = {
        "issues": Issue.objects.count(),
        "users": User.objects.count(),
        "departments": Department.objects.count(),
        "enterprises": Enterprise.objects.count(),
    }
    last_id = Issue.objects.aggregate(m=Max("pk"))["m"]

    settings.DEBUG = False  # --force lets it run anyway
    out = load("--issues", "500", "--enterprises", "30", "--force")

    assert "Demo data already loaded" in out
    assert Roundtable.objects.count() == 1
    assert User.objects.count() == before["users"]
    assert Department.objects.count() == before["departments"]
    assert Enterprise.objects.count() == before["enterprises"] + 30
    assert all(is_valid(code) for code in Enterprise.objects.values_list("credit_code", flat=True))
    assert Issue.objects.count() == before["issues"] + 500

    new = Issue.objects.filter(pk__gt=last_id)
    assert new.count() == 500
    assert Issue.objects.values("reference").distinct().count() == Issue.objects.count()
    assert _counters_match_issues()
    assert len(set(new.values_list("status", flat=True))) >= 4
    unassigned = new.exclude(status="logged").annotate(
        leads=Count("assignments", filter=Q(assignments__role="lead", assignments__is_current=True))
    )
    assert not unassigned.exclude(leads=1).exists()
    assert not new.filter(status="logged", assignments__isnull=False).exists()
    assert not new.filter(status="closed", closed_at__isnull=True).exists()
    # Each has its timeline, from "logged" to its status (tests/test_bench_data.py: the rest).
    per_issue = Counter(ActionUpdate.objects.filter(issue__in=new).values_list("issue", flat=True))
    assert len(per_issue) == 500 and min(per_issue.values()) >= 1


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load()
    assert not Roundtable.objects.exists()


@pytest.mark.django_db
def test_bulk_issues_know_their_lead_department(settings):
    settings.DEBUG = True
    call_command("load_demo", "--issues", "50", stdout=io.StringIO())
    leads = dict(
        Assignment.objects.current().filter(role="lead").values_list("issue_id", "department_id")
    )
    for pk, lead in Issue.objects.values_list("pk", "lead_department_id"):
        assert lead == leads.get(pk)


def test_the_demo_has_invited_contacts_in_four_languages(debug):
    load()
    from roundtable.portal.access import contact_enterprises

    expected = {"contact_ja": "ja", "contact_ko": "ko", "contact_en": "en", "contact_zh": "zh-hans"}
    users = {u.username: u for u in User.objects.filter(username__in=expected)}
    assert {name: u.preferred_language for name, u in users.items()} == expected
    for user in users.values():
        assert user.check_password(PASSWORD) and user.is_enterprise_contact
        assert not roles.is_commerce_staff(user) and not roles.department_ids(user)
        assert contact_enterprises(user).count() == 1
    japanese = contact_enterprises(users["contact_ja"]).get()
    assert japanese.country.code == "JP"
    # Their enterprises' issues have progress shared with them.
    assert (
        ActionUpdate.objects.filter(issue__enterprise=japanese, visible_to_enterprise=True).exists()
        or not japanese.issues.exists()
    )
