import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roundtable.lib import countries as country_names
from roundtable.lib.i18n import BilingualNameMixin


class Roundtable(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from BilingualNameMixin
    """The mechanism itself, for one jurisdiction: who chairs it, which department leads."""

    class Cadence(models.TextChoices):
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        AS_NEEDED = "as_needed", _("As needed")

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=200)
    leading_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("leading department"),
        on_delete=models.PROTECT,
        related_name="led_roundtables",
    )
    cadence = models.CharField(
        _("cadence"), max_length=20, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roundtable")
        verbose_name_plural = _("roundtables")


class SeatQuerySet(models.QuerySet):
    def current(self, *, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)


class RoundtableSeat(models.Model):
    """Who held which seat at the roundtable, and when. A change of holder ends the old seat
    and opens a new one: the past is kept, not overwritten."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chairperson")
        DEPUTY_CHAIR = "deputy_chair", _("Deputy chairperson")
        MEMBER_DEPARTMENT = "member_department", _("Member department")
        LEADING_DEPARTMENT = "leading_department", _("Leading department")
        SAFEGUARD_TEAM = "safeguard_team", _("Service safeguard team")
        SECRETARIAT = "secretariat", _("Secretariat")

    roundtable = models.ForeignKey(
        Roundtable, verbose_name=_("roundtable"), on_delete=models.CASCADE, related_name="seats"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roundtable_seats",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roundtable_seats",
    )
    started_on = models.DateField(_("since"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("roundtable seat")
        verbose_name_plural = _("roundtable seats")
        ordering = ["roundtable", "role", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(department__isnull=False),
                name="seat_has_holder",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="seat_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user or self.department}"


class MeetingQuerySet(models.QuerySet):
    def roundtables(self):
        return self.filter(kind=Meeting.Kind.QUARTERLY_ROUNDTABLE)

    def service_visits(self):
        return self.filter(kind__in=[Meeting.Kind.ONE_ON_ONE, Meeting.Kind.ONE_ON_SEVERAL])

    def not_cancelled(self):
        return self.exclude(status=Meeting.Status.CANCELLED)

    def held(self):
        return self.filter(status__in=[Meeting.Status.HELD, Meeting.Status.MINUTES_PUBLISHED])

    def visible_to(self, user):
        """The meetings ``user`` may open: all for commerce staff and the chair's office; for
        anyone else, those their department takes part in or was consulted on before, and
        those they take part in themselves. A SQL filter, so it composes with counts."""
        from roundtable.accounts import roles

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.can_read_all_issues(user):
            return self
        condition = Exists(MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user=user))
        dept_ids = roles.department_ids(user)
        if dept_ids:
            condition |= Exists(
                MeetingParticipant.objects.filter(
                    meeting=OuterRef("pk"), department_id__in=dept_ids
                )
            )
            condition |= Exists(
                IntakeConsultation.objects.filter(
                    item__meeting=OuterRef("pk"), department_id__in=dept_ids
                )
            )
        return self.filter(condition)

    def taking_part(self, user):
        """Meetings ``user`` takes part in, in person or through a current department: what
        their calendar feed lists."""
        from roundtable.accounts import roles

        if not user.is_active:
            return self.none()
        condition = Exists(MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user=user))
        dept_ids = roles.department_ids(user)
        if dept_ids:
            condition |= Exists(
                MeetingParticipant.objects.filter(
                    meeting=OuterRef("pk"), department_id__in=dept_ids
                )
            )
        return self.filter(condition)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        QUARTERLY_ROUNDTABLE = "roundtable", _("Quarterly roundtable")
        ON_SPOT = "on_spot", _("On-spot meeting")
        ONE_ON_ONE = "one_on_one", _("One-on-one service visit")
        ONE_ON_SEVERAL = "one_on_several", _("One-on-several service visit")
        INDUSTRY_EXCHANGE = "industry_exchange", _("Industry exchange")

    class Form(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        INTAKE_OPEN = "intake_open", _("Intake open")
        HELD = "held", _("Held")
        MINUTES_PUBLISHED = "minutes_published", _("Minutes published")
        CANCELLED = "cancelled", _("Cancelled")

    roundtable = models.ForeignKey(
        Roundtable,
        verbose_name=_("roundtable"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    business_fields = models.CharField(_("business fields"), max_length=300, blank=True)
    countries = models.CharField(_("countries or regions"), max_length=300, blank=True)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.IN_PERSON)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    intake_closes_on = models.DateField(_("intake closes on"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["kind", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "roundtable",
                        "on_spot",
                        "one_on_one",
                        "one_on_several",
                        "industry_exchange",
                    ]
                ),
                name="meeting_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.topic}"

    @property
    def countries_shown(self) -> str:
        """The countries, each one recognised named in the reader's language."""
        return country_names.for_reader(self.countries)

    @property
    def is_service_visit(self) -> bool:
        return self.kind in (self.Kind.ONE_ON_ONE, self.Kind.ONE_ON_SEVERAL)

    @property
    def is_open(self) -> bool:
        """Still ahead or being prepared: neither held nor cancelled."""
        return self.status in (self.Status.PLANNED, self.Status.INTAKE_OPEN)


class MeetingParticipant(models.Model):
    """One participant: an enterprise, an association, a department or a person."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_participations",
    )
    association = models.ForeignKey(
        "enterprises.Association",
        verbose_name=_("association"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_participations",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_participations",
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        enterprise__isnull=False,
                        association__isnull=True,
                        department__isnull=True,
                        user__isnull=True,
                    )
                    | Q(
                        enterprise__isnull=True,
                        association__isnull=False,
                        department__isnull=True,
                        user__isnull=True,
                    )
                    | Q(
                        enterprise__isnull=True,
                        association__isnull=True,
                        department__isnull=False,
                        user__isnull=True,
                    )
                    | Q(
                        enterprise__isnull=True,
                        association__isnull=True,
                        department__isnull=True,
                        user__isnull=False,
                    )
                ),
                name="participant_exactly_one_kind",
            ),
        ]

    def __str__(self) -> str:
        return str(self.enterprise or self.association or self.department or self.user)


class MeetingAttendee(models.Model):
    """A person an invited enterprise registered to attend a meeting (on the enterprise side
    of the portal). The enterprise's list is replaced as a whole when it registers again."""

    participant = models.ForeignKey(
        MeetingParticipant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("registered attendee")
        verbose_name_plural = _("registered attendees")
        ordering = ["participant", "pk"]

    def __str__(self) -> str:
        return self.name


class IntakeItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Intake items ``user`` may read, for meetings they can already open: all for
        commerce staff and the chair's office; for a department, the items on the agenda and
        those that concern it or were sent to it for consultation. Enterprises' concerns that
        are another department's business stay with that department."""
        from roundtable.accounts import roles

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.can_read_all_issues(user):
            return self
        condition = Q(status=IntakeItem.Status.ON_AGENDA)
        dept_ids = roles.department_ids(user)
        if dept_ids:
            condition |= Exists(
                IntakeItem.departments.through.objects.filter(
                    intakeitem_id=OuterRef("pk"), department_id__in=dept_ids
                )
            )
            condition |= Exists(
                IntakeConsultation.objects.filter(item=OuterRef("pk"), department_id__in=dept_ids)
            )
        return self.filter(condition)


class IntakeItem(models.Model):
    """A concern gathered from an enterprise before a meeting (会前收集)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_CONSULTATION = "consultation", _("In advance consultation")
        ON_AGENDA = "agenda", _("On the agenda")
        SETTLED = "settled", _("Settled before the meeting")
        DROPPED = "dropped", _("Not taken up")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="intake_items"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="intake_items",
    )
    text = models.TextField(_("concern"), max_length=5000)
    category = models.ForeignKey(
        "issues.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    departments = models.ManyToManyField(
        "departments.Department",
        verbose_name=_("departments concerned"),
        blank=True,
        related_name="intake_items",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    agenda_order = models.PositiveSmallIntegerField(_("agenda position"), null=True, blank=True)
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("ledger issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intake_items",
        help_text=_("The ledger entry the concern became after the meeting."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[departments])

    objects = IntakeItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake item")
        verbose_name_plural = _("intake items")
        ordering = ["meeting", "agenda_order", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class IntakeConsultation(models.Model):
    """An intake item sent to a department for advance consultation, and its reply."""

    item = models.ForeignKey(
        IntakeItem,
        verbose_name=_("intake item"),
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    question = models.TextField(_("question"), blank=True, max_length=5000)
    reply = models.TextField(_("reply"), blank=True, max_length=5000)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("advance consultation")
        verbose_name_plural = _("advance consultations")
        constraints = [
            models.UniqueConstraint(fields=["item", "department"], name="one_consultation_per_dept")
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.department}"


def new_feed_token() -> str:
    # 32 random bytes: 256 bits, 43 URL-safe characters.
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private iCalendar address. Whoever holds the token reads that user's meetings
    and deadlines without signing in, so it can be revoked, and a new one replaces the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} ({'revoked' if self.revoked_at else 'active'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
