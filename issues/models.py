from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from issues import querysets
from issues.models_extension import ExtensionRequest  # noqa: F401 - issues.models.ExtensionRequest
from issues.querysets import LIFECYCLE, AssignmentQuerySet, IssueQuerySet, lifecycle_position
from roundtable.lib import phrases
from roundtable.lib.i18n import BilingualNameMixin, ChoiceLabelsMixin
from roundtable.lib.ordering import ORDER_HELP

TITLE_MAX = 200
TEXT_MAX = 20_000


class Category(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from BilingualNameMixin
    """What an issue is about (land use, permits, talent, customs…): data, not code."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    code = models.SlugField(_("short code"), max_length=30, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=ORDER_HELP)
    history = HistoricalRecords()
    reader_ordered = True  # the reader's order in choices (roundtable.lib.forms, lib.ordering)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]


class SpecialStudy(models.Model):
    """An in-depth study of a problem several enterprises share, aiming at a policy change."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        IN_STUDY = "in_study", _("In study")
        CONCLUDED = "concluded", _("Concluded")

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    lead_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        related_name="special_studies",
    )
    description = models.TextField(_("description"), blank=True, max_length=TEXT_MAX)
    findings = models.TextField(_("findings"), blank=True, max_length=TEXT_MAX)
    policy_outcome = models.TextField(_("policy outcome"), blank=True, max_length=TEXT_MAX)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("special study")
        verbose_name_plural = _("special studies")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ReferenceCounter(models.Model):
    """The last reference number handed out per year; a row lock makes numbering race-free."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Issue(ChoiceLabelsMixin, models.Model):
    """A ledger entry (台账): one concern raised by an enterprise, followed to its conclusion."""

    class Status(models.TextChoices):
        LOGGED = "logged", _("Logged")
        ASSIGNED = "assigned", _("Assigned, awaiting acceptance")
        RETURNED = "returned", _("Returned for reassignment")
        IN_PROGRESS = "in_progress", _("In progress")
        CONCLUSION_REPORTED = "concluded", _("Conclusion reported")
        CLOSED = "closed", _("Closed")

    # Open and not concluded (the partial index issue_active_deadline has this list too).
    ACTIVE_STATUSES = querysets.ACTIVE_STATUSES

    class Source(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        SERVICE_VISIT = "visit", _("Service visit")
        HOTLINE = "hotline", _("Hotline")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")
        ONLINE = "online", _("Online")
        OTHER = "other", _("Other")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY_SATISFIED = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    class RatedBy(models.TextChoices):
        ENTERPRISE = "enterprise", _("The enterprise, on the portal")
        STAFF = "staff", _("Commerce staff, on the enterprise's behalf")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("number"), editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="issues",
    )
    other_enterprises = models.ManyToManyField(
        "enterprises.Enterprise",
        verbose_name=_("also concerns"),
        blank=True,
        related_name="shared_issues",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="issues"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issues",
    )
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    follow_up_requirement = models.TextField(
        _("follow-up requirement"), blank=True, max_length=TEXT_MAX
    )
    monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("monitor of action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monitored_issues",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    original_deadline = models.DateField(
        _("original deadline"), null=True, blank=True, editable=False
    )
    # A deadline given as N working days keeps N and the day it was counted from; one counted
    # across a year not yet published is provisional until issues.services recounts it
    # (issue_deadlines_recompute). A deadline given as a date clears all three.
    deadline_working_days = models.PositiveSmallIntegerField(
        _("deadline in working days"), null=True, blank=True, editable=False
    )
    deadline_counted_from = models.DateField(
        _("deadline counted from"), null=True, blank=True, editable=False
    )
    # A database default too: bulk loaders insert rows without naming the column.
    deadline_provisional = models.BooleanField(
        _("provisional deadline"), default=False, db_default=False, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.LOGGED
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=TEXT_MAX)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The current lead assignment's department, kept by issues.services (_assign) so that the
    # dashboard can group 100,000 issues by department without joining assignments.
    lead_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="led_issues",
    )
    satisfaction = models.CharField(
        _("enterprise satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    # Who gave the rating: the enterprise itself (/portal/) or staff who took it down (the
    # KPIs say which: issues.kpi_selectors.rated_by_enterprise).
    satisfaction_by = models.CharField(
        _("rating given by"), max_length=10, choices=RatedBy.choices, blank=True, db_default=""
    )
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    special_study = models.ForeignKey(
        SpecialStudy,
        verbose_name=_("special study"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issues",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[other_enterprises])

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="issue_reference_per_year"),
            models.CheckConstraint(condition=Q(status__in=LIFECYCLE), name="issue_status_valid"),
            models.CheckConstraint(
                condition=Q(
                    source__in=["meeting", "visit", "hotline", "wechat", "email", "online", "other"]
                ),
                name="issue_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__in=["", "satisfied", "basically", "dissatisfied"]),
                name="issue_satisfaction_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="closed_issue_has_closed_at",
            ),
            # A provisional deadline can be recounted: it knows its N and its first day.
            models.CheckConstraint(
                condition=Q(deadline_provisional=False)
                | Q(deadline_working_days__isnull=False, deadline_counted_from__isnull=False),
                name="provisional_deadline_has_its_count",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["deadline"]),
            # Issues raised in a period, with what the dashboard's breakdowns count them by
            # (roundtable/dashboard/kpis.breakdowns reads only the index).
            models.Index(
                fields=["raised_on"],
                include=["category", "source", "meeting", "enterprise", "status", "deadline"],
                name="issue_raised_on",
            ),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["source"]),
            models.Index(fields=["-created_at", "-id"], name="issue_newest_first"),
            # The ledger filtered by status, in its default order, and its count (index-only).
            models.Index(fields=["status", "raised_on", "id"], name="issue_status_raised"),
            # The ledger sorted by status (issues.filters.SORTS): without it, a sort of
            # 100,000 rows by the computed position for every page (100 ms).
            models.Index(lifecycle_position(), models.F("id").desc(), name="issue_lifecycle"),
            # The KPIs' pass over the issues (roundtable/dashboard/kpis.compute_periods) reads
            # only this index: a twentieth of the table's pages. It must hold every column the
            # pass reads (tests/dashboard/test_kpi_indexes.py): without satisfaction_by,
            # PostgreSQL scanned the table, 41 ms against 14 at 100,000 issues.
            models.Index(
                fields=["lead_department", "status"],
                include=["raised_on", "closed_at", "deadline", "satisfaction", "satisfaction_by"],
                name="issue_kpi_columns",
            ),
            # For the dashboard (roundtable/dashboard/kpis.py): conclusions by day, overdue
            # issues oldest first, escalations.
            models.Index(
                fields=["concluded_on"],
                include=["deadline", "raised_on", "lead_department", "id"],
                name="issue_concluded_on",
            ),
            # Active issues by deadline; covering, so that counts of a department's active
            # issues by deadline and status (My department's tabs) read only the index.
            models.Index(
                fields=["deadline"],
                include=["status", "id"],
                condition=Q(status__in=["logged", "assigned", "returned", "in_progress"]),
                name="issue_active_deadline",
            ),
            # Provisional deadlines to recount once their year is published: a few rows.
            models.Index(
                fields=["deadline"],
                condition=Q(deadline_provisional=True),
                name="issue_provisional_deadline",
            ),
            models.Index(
                fields=["escalated_on"],
                condition=Q(escalated_on__isnull=False),
                name="issue_escalated_on",
            ),
            # Recurring problems: open issues by category and title.
            models.Index(
                fields=["category", "title", "enterprise"],
                include=["raised_on", "id"],
                condition=Q(
                    status__in=["logged", "assigned", "returned", "in_progress", "concluded"]
                ),
                name="issue_open_titles",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    def is_overdue(self, on: date | None = None) -> bool:
        return querysets.is_overdue(self.status, self.deadline, on or timezone.localdate())

    def is_due_soon(self, today: date, until: date) -> bool:
        return querysets.is_due_soon(self.status, self.deadline, today, until)


class Assignment(ChoiceLabelsMixin, models.Model):
    """A department's part in an issue: the lead (牵头单位) or a co-handler (协办单位).

    Reassigning away from a department makes its assignment non-current: it stays as a
    record, and the department loses access at once.
    """

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead department")
        CO_HANDLING = "co", _("Co-handling department")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        DONE = "done", _("Done")

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_assignments",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    return_reason = models.TextField(_("reason for return"), blank=True, max_length=TEXT_MAX)
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    responded_at = models.DateTimeField(_("accepted or returned"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["issue", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"],
                condition=Q(role="lead", is_current=True),
                name="one_current_lead_per_issue",
            ),
            models.UniqueConstraint(
                fields=["issue", "department"],
                condition=Q(is_current=True),
                name="one_current_assignment_per_department",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "co"]), name="assignment_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "returned", "done"]),
                name="assignment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "is_current", "role", "status"]),
            # "Issues where this department holds a current assignment" (visibility, the
            # department filter, My department): an index-only scan for the issue ids.
            models.Index(
                fields=["department", "issue"],
                condition=Q(is_current=True),
                name="assignment_current_by_dept",
            ),
            # For the dashboard: each issue's current lead department, and the response rate.
            models.Index(
                fields=["issue"],
                include=["department"],
                condition=Q(is_current=True, role="lead"),
                name="assignment_current_lead",
            ),
            models.Index(
                fields=["assigned_at"],
                include=["department", "responded_at", "status"],
                condition=Q(is_current=True, role="lead"),
                name="assignment_lead_assigned_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue.reference} · {self.department} · {self.get_role_display()}"


class ActionUpdate(ChoiceLabelsMixin, models.Model):
    """One entry of an issue's timeline."""

    class Kind(models.TextChoices):
        LOGGED = "logged", _("Logged")
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        PROGRESS = "progress", _("Progress update")
        COMMENT = "comment", _("Comment")
        INSTRUCTION = "instruction", _("Chair's instruction")
        EXTENSION_REQUESTED = "ext_request", _("Extension requested")
        EXTENSION_DECIDED = "ext_decision", _("Extension decided")
        CONCLUSION = "conclusion", _("Conclusion reported")
        CLOSED = "closed", _("Verified and closed")
        REOPENED = "reopened", _("Reopened")
        STATUS_CHANGE = "status", _("Status changed")
        ESCALATED = "escalated", _("Escalated")
        DEADLINE_RECOUNTED = "deadline", _("Deadline recounted")
        STUDY_ADDED = "study_in", _("Taken into a special study")
        STUDY_REMOVED = "study_out", _("Taken out of a special study")
        ENTERPRISE_INFO = "ent_info", _("Information from the enterprise")

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="updates"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    body = models.TextField(_("text"), blank=True, max_length=TEXT_MAX)
    # The system's own words as a phrase (lib/phrases.py), worded for each reader; ``body``
    # then keeps them in the site's language (exports, rows written before phrases).
    body_phrase = models.JSONField(_("text (phrase)"), null=True, blank=True)
    old_status = models.CharField(_("from status"), max_length=12, blank=True)
    new_status = models.CharField(_("to status"), max_length=12, blank=True)
    extension = models.ForeignKey(
        ExtensionRequest,
        verbose_name=_("extension request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # Shown on the enterprise's side of the portal: progress that staff or the lead department
    # chose to share, and what the enterprise added itself (portal/selectors.py reads it).
    visible_to_enterprise = models.BooleanField(
        _("visible to the enterprise"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["issue", "kind", "created_at"]),
            # For the dashboard: reopenings in a period, chair's instructions.
            models.Index(fields=["kind", "created_at"], name="update_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @property
    def shown_body(self) -> str:  # in the active language (the reader's)
        return phrases.render(self.body_phrase, self.body)


def attachment_path(instance, filename):
    # The stored name is generated; the uploaded name is kept only as display text.
    return f"attachments/{timezone.localtime():%Y/%m}/{instance.storage_key}"


class Attachment(models.Model):
    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="attachments"
    )
    update = models.ForeignKey(
        ActionUpdate,
        verbose_name=_("update"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    storage_key = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
