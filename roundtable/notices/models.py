"""Policy notices (政策推送): a notice written by commerce staff in up to four languages, its
files, and one delivery row per person it is sent to.

A ``NoticeDelivery`` row is the unit of "exactly once": its unique key (notice, recipient)
is inserted when staff send the notice, and the worker claims each row by a conditional
update before it e-mails it (``delivery.py``), as the reminder log does for reminders.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roundtable.lib.i18n import ChoiceLabelsMixin

# The languages a notice is written in, in the order the fallback tries them after the
# reader's own (roundtable/notices/languages.py): Chinese is required, so always there.
CHINESE, ENGLISH, JAPANESE, KOREAN = "zh-hans", "en", "ja", "ko"
VERSION_LANGUAGES = [CHINESE, ENGLISH, JAPANESE, KOREAN]
# The field suffix of each language's title and text.
SUFFIX = {CHINESE: "zh", ENGLISH: "en", JAPANESE: "ja", KOREAN: "ko"}


def notice_file_path(instance, filename):
    # Outside MEDIA_ROOT/attachments/: the issues' orphan sweep knows only its own rows.
    now = timezone.now()
    return f"notices/{now:%Y}/{now:%m}/{instance.storage_key}"


class Notice(ChoiceLabelsMixin, models.Model):
    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy interpretation")
        INCENTIVE = "incentive", _("Incentive")
        EVENT = "event", _("Event")

    class Target(models.TextChoices):
        ALL = "all", _("All enterprises")
        INDUSTRY = "industry", _("By industry")
        COUNTRY = "country", _("By investor country or region")
        ASSOCIATION = "association", _("By association or chamber")
        ENTERPRISES = "enterprises", _("Chosen enterprises")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    body_zh = models.TextField(_("text (Chinese)"))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    body_ja = models.TextField(_("text (Japanese)"), blank=True)
    title_ko = models.CharField(_("title (Korean)"), max_length=200, blank=True)
    body_ko = models.TextField(_("text (Korean)"), blank=True)
    target = models.CharField(_("sent to"), max_length=20, choices=Target.choices)
    # Sections of the national classification (lib/industries.py), by letter.
    target_industries = models.JSONField(_("industries"), default=list, blank=True)
    # Two-letter country or region codes (django-countries), as Enterprise.country holds.
    target_countries = models.JSONField(_("countries or regions"), default=list, blank=True)
    target_associations = models.ManyToManyField(
        "enterprises.Association",
        verbose_name=_("associations and chambers"),
        blank=True,
        related_name="+",
    )
    target_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", verbose_name=_("enterprises"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[target_associations, target_enterprises])

    class Meta:
        verbose_name = _("policy notice")
        verbose_name_plural = _("policy notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "sent"]), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sent_at__isnull=False),
                name="notice_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def version(self, language: str) -> tuple[str, str]:
        """(title, text) in ``language``; empty strings when that version is missing."""
        suffix = SUFFIX[language]
        return getattr(self, f"title_{suffix}"), getattr(self, f"body_{suffix}")

    def has_version(self, language: str) -> bool:
        title, body = self.version(language)
        return bool(title.strip() and body.strip())

    @property
    def languages(self) -> list[str]:
        return [lang for lang in VERSION_LANGUAGES if self.has_version(lang)]

    @property
    def missing_languages(self) -> list[str]:
        return [lang for lang in VERSION_LANGUAGES if not self.has_version(lang)]

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class NoticeAttachment(models.Model):
    """A file of a notice. Checked and named by the issues' attachment rules
    (``issues.attachments.validate_upload``), stored under a generated name."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=notice_file_path, max_length=200)
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
        verbose_name = _("notice file")
        verbose_name_plural = _("notice files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class NoticeDeliveryQuerySet(models.QuerySet):
    def delivered(self):
        return self.filter(status__in=NoticeDelivery.DELIVERED)

    def in_inbox_of(self, user):
        """The deliveries in ``user``'s portal inbox: theirs, once the worker delivered them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user, inbox_at__isnull=False)


class NoticeDelivery(ChoiceLabelsMixin, models.Model):
    """A notice to one person: by e-mail (when they have an address) and into their portal
    inbox (when they have an account). One row per (notice, person), whichever of their
    enterprises the target reached them through: the unique key is what keeps a chamber's
    secretary, who speaks for several enterprises, from getting the notice twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        CLAIMED = "claimed", _("Claimed, sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Failed, will retry")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Possibly sent twice (worker died after sending)")
        INBOX_ONLY = "inbox", _("In the portal inbox only (no e-mail address)")

    DELIVERED = (Status.SENT, Status.UNCERTAIN, Status.INBOX_ONLY)

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # "user:<id>" for a contact with a portal account, else "email:<address>" (lower case).
    recipient_key = models.CharField(_("recipient"), max_length=260)
    contact = models.ForeignKey(
        "enterprises.EnterpriseContact",
        verbose_name=_("contact"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="notice_deliveries",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="notice_deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notice_deliveries",
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    # The reader's language, and the version of the notice they get (languages.py).
    language = models.CharField(_("language"), max_length=10)
    version = models.CharField(_("version sent"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    # When it went into the portal inbox (a contact with an account), and when the e-mail
    # was sent.
    inbox_at = models.DateTimeField(_("in the inbox"), null=True, blank=True)
    sent_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NoticeDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["notice", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "recipient_key"], name="notice_once"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "queued",
                        "claimed",
                        "sent",
                        "retry",
                        "failed",
                        "uncertain",
                        "inbox",
                    ]
                ),
                name="notice_delivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_try_at"]),
            models.Index(fields=["user", "inbox_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.recipient_key}"
