"""Synthetic rows in bulk, for load tests and bench/: ``add_enterprises`` and ``add_issues``.

Fast on purpose (bench/ adds 10k and 100k issues): plain multi-row INSERTs, no model
instances, no services. So these rows skip, knowingly, what the services do for every issue:

* no permission checks and no acting user's rules (``issues.services``): the rows are made
  consistent here instead (a lead assignment for every issue past "logged", a closed issue
  has ``closed_at``, deadlines counted in working days, a timeline ending in the status);
* no history rows (django-simple-history's records are written by model saves), no version
  bumps past 1, no in-app notices;
* one timeline entry for the last status change (plus "logged"), not the whole story;
* references are reserved per year in one locked update of the counter per batch
  (``reserve_references``), not one ``next_reference`` per issue;
* ``Issue.lead_department`` is filled in afterwards by ``sync_lead_department``;
* no dashboard cache invalidation (``lib.ledger_version.changed``): cached figures catch up
  within a minute (roundtable/dashboard/cache.py);
* enterprises: no duplicate-name check and no history (``enterprises.services``).

Working days come from ``roundtable.workdays.services``; ``add_issues`` remembers each answer
(``_WorkingDays``) because 100k issues ask the same few thousand questions.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues.models import ActionUpdate, Assignment, Category, Issue, ReferenceCounter
from issues.references import format_reference
from roundtable.accounts.models import Role, User
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.content import at, make_uscc, say
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib.uscc import ALPHABET
from roundtable.workdays import services as workdays

Kind = ActionUpdate.Kind


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
    start = Enterprise.objects.filter(name_zh__startswith=c.SYNTHETIC_PREFIX_ZH).count() + 1
    countries = sorted({e["country"] for e in c.ENTERPRISES})
    fields = sorted({(e["industry"], e["business_field"]) for e in c.ENTERPRISES})
    staff = list(User.objects.filter(groups__name=Role.COMMERCE_STAFF).values_list("pk", flat=True))
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    for offset in range(0, count, batch_size):
        rows = []
        for n in range(start + offset, start + min(count, offset + batch_size)):
            code = make_uscc("X" + _to_base31(n, 8))
            while code in taken:  # never, unless someone typed our pattern in
                code = make_uscc("Y" + "".join(rng.choice(ALPHABET) for _ in range(8)))
            taken.add(code)
            industry, business = rng.choice(fields)
            rows.append(
                Enterprise(
                    name_zh=f"{c.SYNTHETIC_PREFIX_ZH}{n:06d}（重庆）有限公司",
                    name_en=f"Synthetic Demo Enterprise {n:06d} (Chongqing) Co., Ltd.",
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
                    name=f"Contact {e.name_en.split()[3]}",
                    title=c.CONTACT_TITLES[0],
                    phone=f"138-0000-{rng.randint(0, 9999):04d}",
                    email=f"contact.{e.credit_code.lower()}@example.com",
                    is_primary=True,
                )
                for e in rows
            )
        say(out, f"  enterprises: {offset + len(rows)}/{count}\n")
    return count


class _RowWriter:
    """Plain multi-row INSERTs for bulk rows: ``bulk_create`` spends most of its time building
    model instances and compiling each value, which is minutes for a million rows. Values go
    through the backend's own date and datetime adapters, as Django's would."""

    def __init__(self, model, columns: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        qn = connection.ops.quote_name
        self.columns = columns
        self.table = qn(model._meta.db_table)
        names = ", ".join(qn(fields[c].column) for c in columns)
        self.sql = f"INSERT INTO {self.table} ({names}) VALUES "
        self.width = len(columns)
        adapt_dt = connection.ops.adapt_datetimefield_value
        adapt_d = connection.ops.adapt_datefield_value
        self.adapters = []
        for col in columns:
            kind = fields[col].get_internal_type()
            self.adapters.append(
                adapt_dt if kind == "DateTimeField" else adapt_d if kind == "DateField" else None
            )
        # SQLite allows 32,766 parameters per statement since 3.32; stay well below, and below
        # Django's own guess for older builds.
        limit = 30_000 if connection.vendor != "sqlite" or _sqlite_new() else 999
        self.rows_per_statement = max(1, limit // self.width)

    def write(self, rows: list[tuple]) -> None:
        adapters = [(i, f) for i, f in enumerate(self.adapters) if f is not None]
        params = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            params.append(row)
        one = "(" + ", ".join(["%s"] * self.width) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(params), self.rows_per_statement):
                part = params[start : start + self.rows_per_statement]
                cursor.execute(
                    self.sql + ", ".join([one] * len(part)),
                    [value for row in part for value in row],
                )


def _sqlite_new() -> bool:

    return sqlite3.sqlite_version_info >= (3, 32, 0)


ISSUE_COLUMNS = [
    "reference", "year", "sequence", "title", "description", "enterprise_id", "category_id",
    "source", "raised_on", "priority", "follow_up_requirement", "monitor_id", "deadline",
    "original_deadline", "status", "resolution", "concluded_on", "closed_at", "satisfaction",
    "reopened_count", "version", "created_by_id", "created_at", "updated_at",
]  # fmt: skip
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


# --- Issues -------------------------------------------------------------------------------


def add_issues(count: int, *, out=None, batch_size: int = 5000) -> int:
    """Add ``count`` synthetic issues in batches: each with a lead assignment (sometimes a
    co-handler too) and one or two timeline entries, spread over the last year, every status,
    department, category and enterprise. References are reserved per year in one locked update
    of the counter per batch, in the batch's transaction. Rows are inserted directly, so they
    have no history records."""
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
    # Rows written directly skip issues.services, which keeps Issue.lead_department.
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


class _BulkIssues:
    """What every batch needs: the base set's ids, the clock, the row writers."""

    def __init__(self, count: int):
        self.today, self.now = timezone.localdate(), timezone.now()
        self.rng = random.Random(c.SEED + 2 + Issue.objects.count())
        dept_rows = list(Department.objects.filter(is_active=True).values_list("pk", "code"))
        if not dept_rows:
            raise ValueError("no departments: load the base set first")
        self.liaison_of = dict(
            DepartmentMembership.objects.current()
            .liaisons()
            .order_by("started_on")
            .values_list("department_id", "user_id")
        )
        self.dept_ids = [pk for pk, _ in dept_rows]
        self.code_to_id = {code: pk for pk, code in dept_rows}
        self.cats = dict(Category.objects.values_list("code", "pk"))
        self.templates = [
            t for t in c.TEMPLATES if t.category in self.cats and t.lead in self.code_to_id
        ]
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
        self.issue_writer = _RowWriter(Issue, ISSUE_COLUMNS)
        self.assignment_writer = _RowWriter(Assignment, ASSIGNMENT_COLUMNS)
        self.update_writer = _RowWriter(ActionUpdate, UPDATE_COLUMNS)
        self._nine: dict[date, datetime] = {}

    def moment(self, day: date, minutes: int) -> datetime:
        base = self._nine.get(day)
        if base is None:
            base = self._nine[day] = at(day, 9)
        return min(base + timedelta(minutes=minutes), self.now)

    def write_batch(self, chunk: list[int]) -> None:
        per_year = {}
        for age in chunk:
            year = (self.today - timedelta(days=age)).year
            per_year[year] = per_year.get(year, 0) + 1
        first_seq = {y: reserve_references(y, n) for y, n in sorted(per_year.items())}
        next_seq = dict(first_seq)
        issue_rows, plans = [], []
        for age in chunk:
            raised = self.today - timedelta(days=age)
            seq = next_seq[raised.year]
            next_seq[raised.year] += 1
            row, plan = self.draw(raised, age, seq)
            issue_rows.append(row)
            plans.append(plan)
        self.issue_writer.write(issue_rows)
        ids = {}
        for year, first in first_seq.items():
            ids.update(
                ((year, seq), pk)
                for pk, seq in Issue.objects.filter(
                    year=year, sequence__gte=first, sequence__lt=next_seq[year]
                ).values_list("pk", "sequence")
            )
        plans = [(ids[(plan[0], plan[1])], *plan[2:]) for plan in plans]
        times = self.write_assignments(plans)
        self.write_updates(plans, times)

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
        """Title, category, lead department and co-handling candidates."""
        rng, code_to_id = self.rng, self.code_to_id
        if self.templates:
            t = rng.choice(self.templates)
            title, cat_id, lead = t.title_zh, self.cats[t.category], code_to_id[t.lead]
            co_choices = [code_to_id[code] for code in t.co if code in code_to_id]
        else:
            title, cat_id, lead = "演示事项", rng.choice(self.cat_ids), rng.choice(self.dept_ids)
            co_choices = [d for d in self.dept_ids if d != lead]
        if rng.random() < 0.15:  # not always the usual department
            lead = rng.choice(self.dept_ids)
            co_choices = [d for d in co_choices if d != lead]
        return title, cat_id, lead, co_choices

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

    def draw(self, raised: date, age: int, seq: int):
        """One issue's row and what its assignments and timeline need."""
        rng, staff = self.rng, self.staff
        status = self.status(age)
        title, cat_id, lead, co_choices = self.subject()
        year = raised.year
        assign_day, deadline, concluded, closed_at = self.dates(status, raised)
        created = self.moment(raised, rng.randint(0, 480))
        resolution = rng.choice(c.RESOLUTIONS) if concluded else ""
        satisfaction = rng.choice(SATISFACTIONS) if closed_at else ""
        monitor = rng.choice(staff)
        row = (
            format_reference(year, seq), year, seq, title, "", rng.choice(self.ent_ids), cat_id,
            rng.choice(SOURCES), raised,
            rng.choices(["normal", "high", "urgent"], [75, 20, 5])[0], "", monitor, deadline,
            deadline, status, resolution, concluded, closed_at, satisfaction,
            1 if closed_at and rng.random() < 0.03 else 0, 1, staff[0], created, self.now,
        )  # fmt: skip
        co = rng.choice(co_choices) if co_choices and rng.random() < 0.3 else None
        plan = (year, seq, status, lead, co, assign_day, concluded, closed_at, created,
                resolution, satisfaction, monitor)  # fmt: skip
        return row, plan

    def write_assignments(self, plans) -> dict[int, tuple]:
        """The current lead (and co-handler) of each issue past "logged"; returns when each
        was assigned and answered."""
        rows, times = [], {}
        for issue_id, status, lead, co, assign_day, _concluded, _closed, created, *_ in plans:
            if status == "logged":
                continue
            assigned_at = max(self.moment(assign_day, 60 + self.rng.randint(0, 400)), created)
            responded = None
            if status != "assigned":
                responded = min(assigned_at + timedelta(hours=20), self.now)
            times[issue_id] = (assigned_at, responded)
            rows.append(
                (issue_id, lead, "lead", self.liaison_of.get(lead), _ASSIGNMENT_STATUS[status],
                 c.RETURN_REASONS[0] if status == "returned" else "", assigned_at, responded,
                 True)
            )  # fmt: skip
            if co is not None:
                pending = status in ("assigned", "returned")
                rows.append(
                    (issue_id, co, "co", None if pending else self.liaison_of.get(co),
                     "pending" if pending else "accepted", "", assigned_at,
                     None if pending else responded, True)
                )  # fmt: skip
        self.assignment_writer.write(rows)
        return times

    def write_updates(self, plans, times) -> None:
        """ "Logged", and the entry of the last status change."""
        lead_ids = dict(
            Assignment.objects.filter(
                issue_id__gte=min(times, default=0),
                issue_id__lte=max(times, default=0),
                role="lead",
                is_current=True,
            ).values_list("issue_id", "pk")
        )
        staff0 = self.staff[0]
        rows = []
        for issue_id, status, lead, _co, _a, concluded, closed_at, created, *rest in plans:
            rows.append((issue_id, None, None, staff0, Kind.LOGGED, "", "", "", created))
            if status == "logged":
                continue
            resolution, satisfaction, monitor = rest
            assigned_at, responded = times[issue_id]
            if status == "closed":
                body = c.SATISFACTION_ZH[satisfaction]
                rows.append(
                    (issue_id, None, None, monitor, Kind.CLOSED, body, "concluded", status,
                     closed_at)
                )  # fmt: skip
                continue
            kind, body, old, when = {
                "assigned": (Kind.ASSIGNED, "", "logged", assigned_at),
                "returned": (Kind.RETURNED, c.RETURN_REASONS[0], "assigned", responded),
                "in_progress": (Kind.ACCEPTED, "", "assigned", responded),
                "concluded": (Kind.CONCLUSION, resolution, "in_progress", None),
            }[status]
            if status == "concluded":
                when = max(self.moment(concluded, 300), responded)
            by_lead = kind != Kind.ASSIGNED
            rows.append(
                (issue_id, lead_ids[issue_id] if by_lead else None, lead if by_lead else None,
                 self.liaison_of.get(lead) if by_lead else staff0, kind, body, old, status, when)
            )  # fmt: skip
        self.update_writer.write(rows)


SATISFACTIONS = ["satisfied"] * 8 + ["basically"] * 2
SOURCES = Issue.Source.values
