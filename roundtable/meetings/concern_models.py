"""The files sent with a concern, and who sent a public-form concern (imported by models.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def intake_attachment_path(instance, filename):
    # Kept apart from issue attachments (attachments/): the generated name only.
    return f"intake/{timezone.localtime():%Y/%m}/{instance.storage_key}"


class IntakeAttachment(models.Model):
    """A file sent with a concern; checked as issue attachments are (issues/attachments.py)."""

    item = models.ForeignKey(
        "meetings.IntakeItem",
        verbose_name=_("intake item"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=intake_attachment_path, max_length=200)
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
        verbose_name = _("concern attachment")
        verbose_name_plural = _("concern attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ConcernSender(models.Model):
    """Who sent a public-form concern, as they typed it, and the hash of their status link's
    token (the token itself is only ever in the e-mail sent to them)."""

    item = models.OneToOneField(
        "meetings.IntakeItem",
        verbose_name=_("intake item"),
        on_delete=models.CASCADE,
        related_name="sender",
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    company = models.CharField(_("company name"), max_length=200)
    name = models.CharField(_("contact name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=10)
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    receipt_claimed_at = models.DateTimeField(_("receipt claimed"), null=True, blank=True)
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)
    receipt_tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    receipt_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("concern sender")
        verbose_name_plural = _("concern senders")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
