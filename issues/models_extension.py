"""The deadline extension request, kept apart from ``issues/models.py`` to keep that module
within the 600 lines (tests/test_layout.py); imported there, so ``issues.models.ExtensionRequest``
is where callers find it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roundtable.lib.i18n import ChoiceLabelsMixin

TEXT_MAX = 20_000  # issues.models.TEXT_MAX


class ExtensionRequest(ChoiceLabelsMixin, models.Model):
    """A lead department's request to move the deadline, decided by commerce staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_deadline = models.DateField(_("deadline when requested"), null=True)
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"), max_length=TEXT_MAX)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline extension request")
        verbose_name_plural = _("deadline extension requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.requested_deadline} ({self.status})"
