"""Synthetic rows in bulk, for load tests and bench/: ``add_enterprises`` and ``add_issues``
(``add_users`` is ``bulk_users.py``'s).

Realistic on purpose (bench/ measures search and pages on them): titles, descriptions and
progress notes are composed by ``texts.py`` from ``content/bulk.toml`` (thousands of distinct
titles, descriptions of 50–800 characters, about 15 % in English); each issue has a timeline
from "logged" through every status change it went through, with progress notes in between,
and a history row (django-simple-history) for every status change; users are a few liaisons
per department, some commerce staff and enterprise contacts with portal accounts;
enterprises have invented names of the usual shape. Everything is drawn from a fixed seed
(plus the rows already there), so the same command on the same day gives the same rows.

Fast on purpose (bench/ adds 10k and 100k issues): rows are written by
``roundtable.lib.rows.RowWriter`` (COPY on PostgreSQL, multi-row INSERTs elsewhere), no model
instances, no services. So these rows skip, knowingly, what the services do for every issue:

* no permission checks and no acting user's rules (``issues.services``): the rows are made
  consistent here instead (a lead assignment for every issue past "logged", a closed issue
  has ``closed_at``, deadlines counted in working days, a timeline ending in the status, a
  history row for each of its status changes, ``lead_department`` from the lead assignment);
* history rows for issues only: none for assignments, users, memberships or enterprises;
  no in-app notices;
* references are reserved per year in one locked update of the counter per batch
  (``reserve_references``), not one ``next_reference`` per issue;
* no dashboard cache invalidation (``lib.ledger_version.changed``): cached figures catch up
  within a minute (roundtable/dashboard/cache.py);
* enterprises: no duplicate-name check beyond the names already there
  (``enterprises.services``); users: one password hash for all, the demo password.

Working days come from ``roundtable.workdays.services``; ``add_issues`` remembers each answer
(``_WorkingDays``) because 100k issues ask the same few thousand questions.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues.models import ActionUpdate, Assignment, Category, Issue, ReferenceCounter
from issues.references import format_reference
from roundtable.accounts.models import Role, User
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo import texts
from roundtable.dashboard.demo.content import at, make_uscc, say
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib.rows import RowWriter
from roundtable.lib.uscc import ALPHABET
from roundtable.workdays import services as workdays

Kind = ActionUpdate.Kind
# The credit codes of synthetic enterprises: 91 500103 X<8 base-31 digits><check>.
SYNTHETIC_CODE_PREFIX = "91500103X"


def _to_base31(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, rem = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def reserve_references(year: int, count: int) -> int:
    """Take ``count`` consecutive numbers for ``year`` in one locked update of the counter and
    return the first. Call inside the transaction that creates the issues."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    qs = ReferenceCounter.objects.filter(year=year)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    counter = qs.get()
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first


# --- Enterprises --------------------------------------------------------------------------


def add_enterprises(count: int, *, out=None, batch_size: int = 5000) -> int:
    """Add ``count`` synthetic enterprises (each with one contact) by bulk insert."""
    if count <= 0:
        return 0
    rng = random.Random(c.SEED + 1 + Enterprise.objects.count())
    start = Enterprise.objects.filter(credit_code__startswith=SYNTHETIC_CODE_PREFIX).count() + 1
    countries = sorted({e["country"] for e in c.ENTERPRISES})
    fields = sorted({(e["industry"], e["business_field"]) for e in c.ENTERPRISES})
    staff = list(User.objects.filter(groups__name=Role.COMMERCE_STAFF).values_list("pk", flat=True))
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    names = texts.enterprise_names(rng, set(Enterprise.objects.values_list("name_zh", flat=True)))
    drawer = texts.TextDrawer(rng, [])
    for offset in range(0, count, batch_size):
        rows = []
        for n in range(start + offset, start + min(count, offset + batch_size)):
            code = make_uscc("X" + _to_base31(n, 8))
            while code in taken:  # never, unless someone typed our pattern in
                code = make_uscc("Y" + "".join(rng.choice(ALPHABET) for _ in range(8)))
            taken.add(code)
            industry, business = rng.choice(fields)
            name_zh, name_en = next(names)
            rows.append(
                Enterprise(
                    name_zh=name_zh,
                    name_en=name_en,
                    credit_code=code,
                    country=rng.choice(countries),
                    industry=industry,
                    business_field=business,
                    address=rng.choice(c.ADDRESSES).format(
                        n=rng.randint(1, 299), f=rng.randint(2, 40)
                    ),
                    size=rng.choice(["large", "medium", "small", "micro"]),
                    service_contact_id=rng.choice(staff) if staff else None,
                )
            )
        with transaction.atomic():
            Enterprise.objects.bulk_create(rows)
            EnterpriseContact.objects.bulk_create(
                EnterpriseContact(
                    enterprise=e,
                    name=drawer.person_name(),
                    title=c.CONTACT_TITLES[0],
                    phone=f"138-0000-{rng.randint(0, 9999):04d}",
                    email=f"contact.{e.credit_code.lower()}@example.com",
                    is_primary=True,
                )
                for e in rows
            )
        say(out, f"  enterprises: {offset + len(rows)}/{count}\n")
    return count


ISSUE_COLUMNS = [
    "reference", "year", "sequence", "title", "description", "enterprise_id", "category_id",
    "source", "raised_on", "priority", "follow_up_requirement", "monitor_id", "deadline",
    "original_deadline", "deadline_provisional", "status", "resolution", "concluded_on",
    "closed_at", "satisfaction", "reopened_count", "lead_department_id", "version",
    "created_by_id", "created_at", "updated_at",
]  # fmt: skip
# A history row is the issue's row as it was, with the issue's id and who changed it when.
HISTORY_COLUMNS = ["id", *ISSUE_COLUMNS, "history_date", "history_type", "history_user_id"]
ASSIGNMENT_COLUMNS = [
    "issue_id", "department_id", "role", "responsible_person_id", "status", "return_reason",
    "assigned_at", "responded_at", "is_current",
]  # fmt: skip
UPDATE_COLUMNS = [
    "issue_id", "assignment_id", "department_id", "author_id", "kind", "body", "old_status",
    "new_status", "created_at",
]  # fmt: skip
_ASSIGNMENT_STATUS = {
    "assigned": "pending",
    "returned": "returned",
    "in_progress": "accepted",
    "concluded": "done",
    "closed": "done",
}
_COL = {name: i for i, name in enumerate(ISSUE_COLUMNS)}
# Progress notes on an accepted issue: how many, and how likely each count is.
PROGRESS_NOTES, PROGRESS_WEIGHTS = (0, 1, 2, 3, 4, 6), (20, 30, 22, 14, 9, 5)


# --- Issues -------------------------------------------------------------------------------


def add_issues(count: int, *, out=None, batch_size: int = 5000) -> int:
    """Add ``count`` synthetic issues in batches: each with a lead assignment (sometimes a
    co-handler too), its timeline (every status change, progress notes) and its history rows,
    spread over the last year, every status, department, category and enterprise. References
    are reserved per year in one locked update of the counter per batch, in the batch's
    transaction."""
    if count <= 0:
        return 0
    bulk = _BulkIssues(count)
    # Oldest first, so that references follow the raised-on dates within the run.
    ages = sorted((bulk.rng.randint(0, 364) for _ in range(count)), reverse=True)
    done = 0
    for offset in range(0, count, batch_size):
        chunk = ages[offset : offset + batch_size]
        with transaction.atomic():
            bulk.write_batch(chunk)
        done += len(chunk)
        say(out, f"  issues: {done}/{count}\n")
    # The rows carry lead_department; this catches any written without it (as before).
    Issue.objects.filter(lead_department__isnull=True).sync_lead_department()
    return count


class _WorkingDays:
    """``workdays.add_working_days``, each answer remembered for the run."""

    def __init__(self):
        self._known: dict[tuple[date, int], date] = {}

    def add(self, day: date, n: int) -> date:
        hit = self._known.get((day, n))
        if hit is None:
            hit = self._known[day, n] = workdays.add_working_days(day, n)
        return hit


class _Plan:
    """One issue as drawn: what its assignments, timeline and history are written from."""

    __slots__ = (
        "id", "row", "subject", "status", "lead", "co", "liaison", "co_liaison", "creator",
        "monitor", "created", "assign_day", "concluded", "closed_at", "assigned_at",
        "responded", "lead_assignment", "story",
    )  # fmt: skip

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))


class _BulkIssues:
    """What every batch needs: the base set's ids, the clock, the texts, the row writers."""

    def __init__(self, count: int):
        self.today, self.now = timezone.localdate(), timezone.now()
        self.rng = random.Random(c.SEED + 2 + Issue.objects.count())
        dept_rows = list(Department.objects.filter(is_active=True).values_list("pk", "code"))
        if not dept_rows:
            raise ValueError("no departments: load the base set first")
        self.liaisons: dict[int, list[int]] = {}
        for dept, user in (
            DepartmentMembership.objects.current()
            .liaisons()
            .order_by("started_on", "pk")
            .values_list("department_id", "user_id")
        ):
            self.liaisons.setdefault(dept, []).append(user)
        self.dept_ids = [pk for pk, _ in dept_rows]
        self.code_to_id = {code: pk for pk, code in dept_rows}
        self.cats = dict(Category.objects.values_list("code", "pk"))
        templates = [
            t for t in c.TEMPLATES if t.category in self.cats and t.lead in self.code_to_id
        ]
        self.texts = texts.TextDrawer(self.rng, templates)
        self.cat_ids = list(self.cats.values())
        self.ent_ids = list(Enterprise.objects.filter(is_active=True).values_list("pk", flat=True))
        if not (self.cat_ids and self.ent_ids):
            raise ValueError("no categories or enterprises: load the base set first")
        self.staff = list(
            User.objects.filter(groups__name=Role.COMMERCE_STAFF)
            .order_by("pk")
            .values_list("pk", flat=True)
        ) or [None]
        self.days = _WorkingDays()
        self.issue_writer = RowWriter(Issue, ISSUE_COLUMNS)
        self.history_writer = RowWriter(Issue.history.model, HISTORY_COLUMNS)
        self.assignment_writer = RowWriter(Assignment, ASSIGNMENT_COLUMNS)
        self.update_writer = RowWriter(ActionUpdate, UPDATE_COLUMNS)
        self._nine: dict[date, datetime] = {}

    def moment(self, day: date, minutes: int) -> datetime:
        base = self._nine.get(day)
        if base is None:
            base = self._nine[day] = at(day, 9)
        return min(base + timedelta(minutes=minutes), self.now)

    def liaison(self, dept: int) -> int | None:
        """A liaison of ``dept``: the first (the base set's) more often than the others."""
        people = self.liaisons.get(dept)
        if not people:
            return None
        return people[0] if self.rng.random() < 0.3 else self.rng.choice(people)

    def write_batch(self, chunk: list[int]) -> None:
        per_year = {}
        for age in chunk:
            year = (self.today - timedelta(days=age)).year
            per_year[year] = per_year.get(year, 0) + 1
        first_seq = {y: reserve_references(y, n) for y, n in sorted(per_year.items())}
        next_seq = dict(first_seq)
        plans = []
        for age in chunk:
            raised = self.today - timedelta(days=age)
            seq = next_seq[raised.year]
            next_seq[raised.year] += 1
            plans.append(self.draw(raised, age, seq))
        self.issue_writer.write([plan.row for plan in plans])
        ids = {}
        for year, first in first_seq.items():
            ids.update(
                ((year, seq), pk)
                for pk, seq in Issue.objects.filter(
                    year=year, sequence__gte=first, sequence__lt=next_seq[year]
                ).values_list("pk", "sequence")
            )
        for plan in plans:
            plan.id = ids[plan.row[_COL["year"]], plan.row[_COL["sequence"]]]
        self.write_assignments(plans)
        self.write_updates(plans)
        self.write_history(plans)

    def status(self, age: int) -> str:
        choices = self.rng.choices
        if age < 5:
            return choices(["logged", "assigned", "returned", "in_progress"], [30, 40, 5, 25])[0]
        if age < 30:
            return choices(
                ["logged", "assigned", "returned", "in_progress", "concluded", "closed"],
                [2, 8, 2, 50, 13, 25],
            )[0]
        return choices(["in_progress", "concluded", "closed"], [12, 4, 84])[0]

    def subject(self):
        """Title and text, category, lead department and co-handling candidates."""
        rng, code_to_id = self.rng, self.code_to_id
        subject = self.texts.subject()
        t = subject.template
        if t is not None:
            cat_id, lead = self.cats[t.category], code_to_id[t.lead]
            co_choices = [code_to_id[code] for code in t.co if code in code_to_id]
        else:
            cat_id, lead = rng.choice(self.cat_ids), rng.choice(self.dept_ids)
            co_choices = [d for d in self.dept_ids if d != lead]
        if rng.random() < 0.15:  # not always the usual department
            lead = rng.choice(self.dept_ids)
            co_choices = [d for d in co_choices if d != lead]
        return subject, cat_id, lead, co_choices

    def dates(self, status: str, raised: date):
        """Assignment day, deadline, conclusion day and closing time."""
        rng, today, days = self.rng, self.today, self.days
        if status == "logged":
            return None, None, None, None
        assign_day = min(days.add(raised, 1), today)
        deadline = days.add(assign_day, rng.choice((5, 10, 15, 20, 20, 30)))
        if status in ("in_progress", "assigned", "returned"):
            # Open issues: about a quarter overdue, the rest due over the coming weeks.
            due = days.add(today, rng.randint(-12, 36))
            deadline = max(due, days.add(assign_day, 3))
        concluded = closed_at = None
        if status in ("concluded", "closed"):
            span = max(1, (min(deadline + timedelta(5), today) - assign_day).days)
            concluded = min(assign_day + timedelta(rng.randint(1, span)), today)
            if status == "closed":
                closed_day = min(concluded + timedelta(rng.randint(0, 4)), today)
                closed_at = self.moment(closed_day, 420 + rng.randint(0, 60))
        return assign_day, deadline, concluded, closed_at

    def draw(self, raised: date, age: int, seq: int) -> _Plan:
        """One issue's row (as it is now) and what its assignments and timeline need."""
        rng, staff = self.rng, self.staff
        status = self.status(age)
        subject, cat_id, lead, co_choices = self.subject()
        assign_day, deadline, concluded, closed_at = self.dates(status, raised)
        created = self.moment(raised, rng.randint(0, 480))
        resolution = self.texts.resolution(subject) if concluded else ""
        satisfaction = rng.choice(SATISFACTIONS) if closed_at else ""
        monitor, creator = rng.choice(staff), rng.choice(staff)
        follow_up = rng.choice(c.FOLLOW_UP) if status != "logged" and rng.random() < 0.6 else ""
        row = (
            format_reference(raised.year, seq), raised.year, seq, subject.title,
            self.texts.description(subject), rng.choice(self.ent_ids), cat_id,
            rng.choice(SOURCES), raised, rng.choices(["normal", "high", "urgent"], [75, 20, 5])[0],
            follow_up, monitor, deadline, deadline, False, status, resolution, concluded,
            closed_at, satisfaction, 1 if closed_at and rng.random() < 0.03 else 0,
            None if status == "logged" else lead, 1, creator, created, created,
        )  # fmt: skip
        co = rng.choice(co_choices) if co_choices and rng.random() < 0.3 else None
        plan = _Plan(
            row=row, subject=subject, status=status, lead=lead, co=co,
            liaison=self.liaison(lead), co_liaison=self.liaison(co) if co else None,
            creator=creator, monitor=monitor, created=created, assign_day=assign_day,
            concluded=concluded, closed_at=closed_at,
        )  # fmt: skip
        if status != "logged":
            plan.assigned_at = max(self.moment(assign_day, 60 + rng.randint(0, 400)), created)
            if status != "assigned":
                plan.responded = min(plan.assigned_at + timedelta(hours=20), self.now)
        plan.story = list(self.steps(plan))
        # One saved version per status change, the last at the last step of the timeline.
        changes = sum(1 for step in plan.story if step[5] or step[2] == Kind.LOGGED)
        plan.row = (*row[:-4], changes, *row[-3:-1], plan.story[-1][0])
        return plan

    def write_assignments(self, plans: list[_Plan]) -> None:
        """The current lead (and co-handler) of each issue past "logged", and when each was
        assigned and answered."""
        rows = []
        for plan in plans:
            status, assigned_at, responded = plan.status, plan.assigned_at, plan.responded
            if status == "logged":
                continue
            rows.append(
                (plan.id, plan.lead, "lead", plan.liaison, _ASSIGNMENT_STATUS[status],
                 next(s[3] for s in plan.story if s[2] == Kind.RETURNED)
                 if status == "returned" else "",
                 assigned_at, responded, True)
            )  # fmt: skip
            if plan.co is not None:
                pending = status in ("assigned", "returned")
                rows.append(
                    (plan.id, plan.co, "co", None if pending else plan.co_liaison,
                     "pending" if pending else "accepted", "", assigned_at,
                     None if pending else responded, True)
                )  # fmt: skip
        self.assignment_writer.write(rows)
        if rows:
            lead_ids = dict(
                Assignment.objects.filter(
                    issue_id__gte=min(p.id for p in plans),
                    issue_id__lte=max(p.id for p in plans),
                    role="lead",
                    is_current=True,
                ).values_list("issue_id", "pk")
            )
            for plan in plans:
                plan.lead_assignment = lead_ids.get(plan.id)

    def steps(self, plan: _Plan):
        """The issue's story as (when, who, kind, body, old status, new status, by the lead
        department): logged, assigned, accepted or returned, progress notes, conclusion,
        closing, as far as its status goes."""
        status, sub = plan.status, plan.subject
        yield plan.created, plan.creator, Kind.LOGGED, "", "", "", False
        if status == "logged":
            return
        yield plan.assigned_at, plan.creator, Kind.ASSIGNED, "", "logged", "assigned", False
        if status == "assigned":
            return
        if status == "returned":
            reason = self.texts.return_reason(sub)
            yield plan.responded, plan.liaison, Kind.RETURNED, reason, "assigned", "returned", True
            return
        yield plan.responded, plan.liaison, Kind.ACCEPTED, "", "assigned", "in_progress", True
        end = self.now
        if plan.concluded is not None:
            end = max(self.moment(plan.concluded, 300), plan.responded)
        notes = self.rng.choices(PROGRESS_NOTES, PROGRESS_WEIGHTS)[0]
        span = max(0.0, (end - plan.responded).total_seconds())
        for offset in sorted(self.rng.uniform(0, span) for _ in range(notes)):
            when = plan.responded + timedelta(seconds=int(offset))
            yield when, plan.liaison, Kind.PROGRESS, self.texts.progress(sub), "", "", True
        if plan.concluded is None:
            return
        resolution = plan.row[_COL["resolution"]]
        yield end, plan.liaison, Kind.CONCLUSION, resolution, "in_progress", "concluded", True
        if status == "closed":
            body = c.SATISFACTION_ZH[plan.row[_COL["satisfaction"]]]
            yield plan.closed_at, plan.monitor, Kind.CLOSED, body, "concluded", "closed", False

    def write_updates(self, plans: list[_Plan]) -> None:
        rows = []
        for plan in plans:
            for when, who, kind, body, old, new, by_lead in plan.story:
                rows.append(
                    (plan.id, plan.lead_assignment if by_lead else None,
                     plan.lead if by_lead else None, who, kind, body, old, new, when)
                )  # fmt: skip
        self.update_writer.write(rows)

    def write_history(self, plans: list[_Plan]) -> None:
        """A history row for the creation ("+") and for each status change ("~"), each the
        issue as it was then; the last equals the issue's row."""
        rows = []
        for plan in plans:
            changes = [step for step in plan.story if step[5] or step[2] == Kind.LOGGED]
            for version, (when, who, _kind, _body, _old, new, _lead) in enumerate(changes, 1):
                row = list(plan.row)
                state = new or "logged"
                row[_COL["status"]] = state
                row[_COL["version"]] = version
                row[_COL["updated_at"]] = when
                if state == "logged":
                    for name in ("deadline", "original_deadline", "lead_department_id"):
                        row[_COL[name]] = None
                    row[_COL["follow_up_requirement"]] = ""
                if state not in ("concluded", "closed"):
                    row[_COL["resolution"]], row[_COL["concluded_on"]] = "", None
                if state != "closed":
                    row[_COL["satisfaction"]], row[_COL["closed_at"]] = "", None
                    row[_COL["reopened_count"]] = 0
                rows.append((plan.id, *row, when, "+" if version == 1 else "~", who))
        self.history_writer.write(rows)


SATISFACTIONS = ["satisfied"] * 8 + ["basically"] * 2
SOURCES = Issue.Source.values
