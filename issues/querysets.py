"""The issues' QuerySets, and the rules they read by: what is open, overdue, due soon, and
how many working days late. Each rule is written once, here, as a ``Q`` for SQL and as a
function for rows already in memory; the ledger, the work lists, the dashboard's figures and
reports, the meetings' pages and the reminders all use these."""

from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from roundtable.workdays import services as workdays

# Up to this many issues naming an enterprise among the others concerned are listed by id
# (IssueQuerySet.of_enterprise).
NAMED_IDS_MAX = 1000

CLOSED = "closed"
CONCLUSION_REPORTED = "concluded"
# Issue.Status in the order an issue moves through them (tests check they agree).
LIFECYCLE = ["logged", "assigned", "returned", "in_progress", CONCLUSION_REPORTED, CLOSED]
# Every status but closed: a reported conclusion awaiting verification is still open.
OPEN_STATUSES = [s for s in LIFECYCLE if s != CLOSED]
# Open and not concluded: what can be overdue or due soon (the partial index
# issue_active_deadline has this list too). Listed rather than negated so that the
# (status, deadline) index serves it.
ACTIVE_STATUSES = ("logged", "assigned", "returned", "in_progress")


def lifecycle_position():
    """0 for logged, 1 for assigned, … 5 for closed: what the ledger sorts statuses by,
    and the expression of the index that serves that sort."""
    return models.Case(
        *(models.When(status=status, then=models.Value(n)) for n, status in enumerate(LIFECYCLE)),
        output_field=models.IntegerField(),
    )


# --- Overdue, due soon, days late -----------------------------------------------------------


def overdue_on(day: date) -> Q:
    """Overdue on ``day``: open, no conclusion reported yet, and the deadline before ``day``."""
    return Q(status__in=ACTIVE_STATUSES, deadline__lt=day)


def due_between(start: date, end: date) -> Q:
    """Open, no conclusion reported yet, and the deadline from ``start`` to ``end``."""
    return Q(status__in=ACTIVE_STATUSES, deadline__gte=start, deadline__lte=end)


def due_soon_until(today: date) -> date:
    """The last day of "due soon": ``DUE_SOON_WORKING_DAYS`` working days after ``today``."""
    return workdays.add_working_days(today, settings.ROUNDTABLE["DUE_SOON_WORKING_DAYS"])


def is_overdue(status: str, deadline: date | None, on: date) -> bool:
    """``overdue_on`` for one issue's status and deadline."""
    return deadline is not None and status in ACTIVE_STATUSES and deadline < on


def is_due_soon(status: str, deadline: date | None, today: date, until: date) -> bool:
    """``due_between(today, until)`` for one issue's status and deadline (never overdue)."""
    return deadline is not None and status in ACTIVE_STATUSES and today <= deadline <= until


def working_days_late(deadline: date | None, today: date, *, between=None) -> int:
    """Working days from the deadline to ``today``; 0 when not past (or no deadline).
    ``between``: a faster ``workdays.working_days_between`` with the same answers (a
    ``WorkdayTable``'s, for code that asks thousands of times)."""
    if deadline is None or deadline >= today:
        return 0
    return (between or workdays.working_days_between)(deadline, today)


def _assignment_model():
    # From the registry: issues.models imports this module.
    return apps.get_model("issues", "Assignment")


class IssueQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The issues ``user`` may read: all for commerce staff and the chair's office; for
        anyone else, those where one of their departments holds a current assignment, or that
        they monitor. A SQL filter, so it composes with every other filter and with counts."""
        from roundtable.accounts import roles

        Assignment = _assignment_model()

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.can_read_all_issues(user):
            return self
        dept_ids = roles.department_ids(user)
        condition = Q(monitor=user)
        if dept_ids:
            condition |= Exists(
                Assignment.objects.current().filter(
                    issue=OuterRef("pk"), department_id__in=dept_ids
                )
            )
        return self.filter(condition)

    def open(self):
        return self.exclude(status=CLOSED)

    def active(self):
        """Open and not yet concluded: the issues that can be overdue. Spelled as the list
        of statuses, not as exclusions, so that PostgreSQL can use the partial index
        ``issue_active_deadline`` (it cannot prove ``status <> 'closed' AND status <>
        'concluded'`` implies ``status IN (...)``)."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, *, on: date | None = None):
        """Overdue on ``on`` (today by default): ``overdue_on``."""
        return self.filter(overdue_on(on or timezone.localdate()))

    def due_between(self, start: date, end: date):
        """Not yet concluded, with the deadline from ``start`` to ``end``: ``due_between``."""
        return self.filter(due_between(start, end))

    def due_soon(self, *, today: date | None = None):
        """Due soon: ``due_between`` today and ``due_soon_until(today)``."""
        today = today or timezone.localdate()
        return self.due_between(today, due_soon_until(today))

    def of_enterprise(self, enterprise_id: int):
        """Raised by the enterprise, or naming it among the other enterprises concerned (the
        ledger's enterprise filter and the enterprise's page). The few issues naming it are
        read first and listed by id, so that PostgreSQL reads both halves from indexes: a
        correlated EXISTS beside the OR made it scan the ledger (the enterprise page's count
        took 63 ms at 100,000 issues). Past ``NAMED_IDS_MAX`` the EXISTS stays."""
        named = self.model.other_enterprises.through.objects.filter(enterprise_id=enterprise_id)
        ids = list(named.values_list("issue_id", flat=True)[: NAMED_IDS_MAX + 1])
        if len(ids) > NAMED_IDS_MAX:
            return self.filter(
                Q(enterprise_id=enterprise_id) | Exists(named.filter(issue_id=OuterRef("pk")))
            )
        return self.filter(Q(enterprise_id=enterprise_id) | Q(pk__in=ids))

    def for_rows(self):
        """With what a row of an issue list shows beside the issue's own columns: its
        enterprise, category and lead department (``lead_department``, the current lead
        assignment's, kept by the services) and ``co_count``, the number of departments
        currently co-handling it. One query for a page of rows: prefetching the current
        assignments to find the same took a second query and 3 ms of Python per page."""
        Assignment = _assignment_model()
        co = (
            Assignment.objects.current()
            .filter(issue=OuterRef("pk"), role=Assignment.Role.CO_HANDLING)
            .order_by()
            .values("issue")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.select_related("enterprise", "category", "lead_department").annotate(
            co_count=Coalesce(Subquery(co), 0)
        )

    def sync_lead_department(self) -> int:
        """Set ``lead_department`` from each issue's current lead assignment, in one UPDATE;
        for rows written in bulk without the services (demo data, fixtures)."""
        Assignment = _assignment_model()
        lead = Assignment.objects.current().filter(issue=OuterRef("pk"), role=Assignment.Role.LEAD)
        return self.update(lead_department=Subquery(lead.values("department_id")[:1]))

    def assigned_to(self, department_ids):
        """Issues that one of ``department_ids`` currently holds an assignment for: for a
        member of those departments, the same issues ``visible_to`` gives through them. A
        semi-join, so counts need no DISTINCT."""
        Assignment = _assignment_model()
        current = Assignment.objects.current().filter(department_id__in=department_ids)
        return self.filter(pk__in=current.values("issue_id"))

    def count_by(self, field: str) -> dict:
        """{value of ``field``: how many of these issues have it}, in one grouped query: for
        figures per study, meeting or enterprise. Call it on ``visible_to(reader)`` so that a
        figure counts only what the reader may see."""
        rows = self.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")
        return dict(rows)

    def for_department(self, department_id, *, role: str | None = None):
        Assignment = _assignment_model()
        assignments = Assignment.objects.current().filter(
            issue=OuterRef("pk"), department_id=department_id
        )
        if role:
            assignments = assignments.filter(role=role)
        return self.filter(Exists(assignments))


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)
