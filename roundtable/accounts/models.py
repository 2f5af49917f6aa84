from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """Portal-wide roles, held as auth groups of the same name.

    Department roles (head, liaison) are not here: they are memberships of a department
    (departments.DepartmentMembership). The monitor is named per issue.
    """

    COMMERCE_STAFF = "commerce_staff", _("Commerce staff (secretariat)")
    CHAIR = "chair", _("Chairperson or deputy chairperson")
    ADMINISTRATOR = "administrator", _("Administrator")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hans", _("Simplified Chinese")
    # The enterprise side (roundtable/portal/) is complete in these too; the staff side stays
    # in English and Chinese (STAFF_LANGUAGES).
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")


# The languages the staff side offers; enterprise contacts choose from all of Language.
STAFF_LANGUAGES = (Language.ENGLISH, Language.CHINESE)
# Each language named in itself, as a language switch shows it.
LANGUAGE_AUTONYMS = {
    Language.CHINESE: "中文",
    Language.ENGLISH: "English",
    Language.JAPANESE: "日本語",
    Language.KOREAN: "한국어",
}


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    # Lists (the ledger, My department, meetings) in compact rows: a preference of the reader
    # (roundtable.accounts.services.set_compact_lists), kept out of the user's history.
    compact_lists = models.BooleanField(_("compact lists"), default=False)
    # An account of the enterprise side: a person of an enterprise (EnterpriseContact.user),
    # confined to /portal/ (accounts.middleware.EnterpriseSideMiddleware) and holding no
    # staff role whatever its groups say (accounts.roles). Set when the contact is invited.
    is_enterprise_contact = models.BooleanField(_("enterprise contact"), default=False)
    # Roles are auth groups: their changes are kept with the user's (who gave which role when).
    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "compact_lists"], m2m_fields=["groups"]
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "username"]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class FormSubmission(models.Model):
    """A create form's one-time token, stored in the transaction that created the object
    (``roundtable/accounts/submissions.py``). A form sent again (a double click, a browser
    retry, a retry after the first answer was lost, say when the session could not be saved)
    finds the object its first sending created instead of creating a second one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_token_once")
        ]

    def __str__(self) -> str:
        return f"{self.token} → {self.content_type_id}:{self.object_id}"


class UserSession(AbstractBaseSession):
    """A session, with the id of the user signed in to it (``roundtable.accounts.sessions``),
    so that a user's sessions can be ended server-side: when they change their password (the
    others), reset it, or are deactivated (all)."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        # The engine (roundtable.accounts.sessions) is built on this model: found by its
        # setting, as Django's session middleware does, so that the model never imports it.
        return import_module(settings.SESSION_ENGINE).SessionStore


class ApiToken(models.Model):
    """A personal key for the REST API (roundtable/api/), made and revoked by its owner on
    their account page. Only a SHA-256 of the key is kept, with its first characters to find
    it by and to show the owner which key is which: the key itself is shown once, when made
    (``roundtable/accounts/api_tokens.py``). It acts as its owner, within its scope."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE
