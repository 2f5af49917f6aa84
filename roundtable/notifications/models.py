"""The reminder log (each reminder or e-mail to one person, claimed exactly once) and the
in-app notifications (the bell in the header).

Both tables were created by the issues app and keep their names (``issues_reminderlog``,
``issues_notification``): the models moved here in the state only (migration 0001).
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Issue
from roundtable.lib import phrases
from roundtable.lib.i18n import ChoiceLabelsMixin


class ReminderLog(ChoiceLabelsMixin, models.Model):
    """One reminder to one person. The unique key (subject, kind, recipient, due day) is what
    makes sending exactly-once: a worker claims a reminder by inserting its row, and a second
    worker or a retry finds the row already there."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed, sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Failed, will retry")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Possibly sent twice (worker died after sending)")
        SKIPPED = "skipped", _("Not sent: out of the recipient's scope")
        # Queued by a web request (roundtable/lib/outbox.py), for the next delivery run.
        QUEUED = "queued", _("Waiting to be sent")

    kind = models.CharField(_("kind"), max_length=40)
    subject_key = models.CharField(
        _("about"), max_length=40, help_text="issue:<id>, meeting:<id>, enterprise:<id>, …"
    )
    issue = models.ForeignKey(
        Issue,
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    due_on = models.DateField(_("for the day"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    # Why, as a phrase (roundtable/lib/phrases.py) worded in the reader's language; ``reason``
    # keeps the words in the recipient's language when the reminder was claimed, for a row
    # written before phrases (or one whose phrase can no longer be worded).
    reason_phrase = models.JSONField(_("why (phrase)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    # Which run holds the claim: a run inserts its rows with its own token and then sends
    # only the rows that carry it (``bulk_create(ignore_conflicts=True)`` returns no ids).
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        db_table = "issues_reminderlog"
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key", "kind", "recipient", "due_on"], name="reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "claimed",
                        "sent",
                        "retry",
                        "failed",
                        "uncertain",
                        "skipped",
                        "queued",
                    ]
                ),
                name="reminder_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["due_on"]),
            # Only rows being sent: a run finds its own claims; sent rows leave the index.
            # With the recipient: a run settles its claims one message (one recipient) at a
            # time, and PostgreSQL, which always takes a fresh token for a rare one, reads
            # this index for those updates, not the primary key; by the token alone it read
            # every row of the run (50,000 at 100,000 issues) for each message.
            models.Index(
                fields=["claim_token", "recipient"],
                condition=Q(status="claimed"),
                name="reminder_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} → {self.recipient_id} {self.due_on}"

    @property
    def shown_reason(self) -> str:
        """Why, in the active language (the reader's)."""
        return phrases.render(self.reason_phrase, self.reason)


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def visible_to(self, user):
        """``user``'s own notifications, less those about an issue they may no longer read
        (a reassignment took it from their department): the list, the header's count and
        "mark all as read" all show these. The issue rule is ``Issue.objects.visible_to``,
        as a correlated EXISTS, so the count stays one query."""
        readable = Issue.objects.visible_to(user)
        mine = self.filter(recipient=user)
        if not readable.query.has_filters():
            # The rule lets the user read every issue (staff, the chair's office): nothing to
            # check, and no subquery for PostgreSQL to plan as a scan of every issue's id
            # (the bell's count took 31 ms on a staff page at 100,000 issues).
            return mine
        readable = readable.filter(pk=OuterRef("issue_id"))
        return mine.filter(Q(issue__isnull=True) | Exists(readable))


class Notification(ChoiceLabelsMixin, models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    reason = models.CharField(_("why you got this"), max_length=300, blank=True)
    # The title and the reason as phrases (roundtable/lib/phrases.py), worded when read in the
    # reader's language; ``title`` and ``reason`` keep the words of when the notice was
    # written, for rows written before phrases and for searching.
    title_phrase = models.JSONField(_("title (phrase)"), null=True, blank=True)
    reason_phrase = models.JSONField(_("why (phrase)"), null=True, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    issue = models.ForeignKey(
        Issue,
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    reminder = models.OneToOneField(
        ReminderLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "issues_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The notices not yet e-mailed (notifications/delivery.py looks for them every minute):
            # a partial index, so rows leave it once their e-mail is claimed.
            models.Index(
                fields=["created_at"],
                condition=Q(reminder__isnull=True),
                name="notification_unmailed",
            ),
            # The nightly purge (notifications/retention.py) finds the expired notices by age.
            models.Index(fields=["created_at"], name="notification_created"),
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's)."""
        return phrases.render(self.title_phrase, self.title)

    @property
    def shown_reason(self) -> str:
        return phrases.render(self.reason_phrase, self.reason)
