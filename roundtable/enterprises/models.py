from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from roundtable.accounts.models import Language
from roundtable.lib import industries
from roundtable.lib.i18n import BilingualNameMixin
from roundtable.lib.uscc import normalize, validate_uscc


class EnterpriseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Enterprises whose page ``user`` may open: every one for commerce staff and the
        chair's office, and a designated official's own portfolio. Department liaisons and
        heads see an enterprise through the issues they handle, not through its page (which
        gathers every issue, visit and contact of the enterprise)."""
        from roundtable.accounts import roles

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.can_read_all_issues(user):
            return self
        return self.filter(designated_official=user)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name_zh__icontains=text)
            | Q(name_en__icontains=text)
            | Q(credit_code__icontains=normalize(text))
        )


class Enterprise(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from BilingualNameMixin
    class Size(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18 characters; the last is a check character (GB 32100-2015)."),
    )
    country = CountryField(_("investor's country or region"))
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    business_field = models.CharField(_("business field"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    designated_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("designated official (包联领导)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="designated_enterprises",
    )
    service_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service contact (commerce staff)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_enterprises",
    )
    visit_interval_days = models.PositiveSmallIntegerField(_("visit every (days)"), default=90)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name_zh"]
        indexes = [models.Index(fields=["country"]), models.Index(fields=["industry"])]
        constraints = [
            models.UniqueConstraint(fields=["name_zh"], name="enterprise_name_zh_unique"),
        ]

    @property
    def industry_shown(self) -> str:
        """The industry in the reader's language, when it is a section of the national
        classification (lib/industries.py); else as typed."""
        return industries.name(self.industry)

    def clean(self):
        self.credit_code = normalize(self.credit_code)


class Association(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from BilingualNameMixin
    """A business association or chamber of commerce."""

    class Kind(models.TextChoices):
        CHAMBER = "chamber", _("Chamber of commerce")
        ASSOCIATION = "association", _("Business association")

    name_zh = models.CharField(_("name (Chinese)"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country or region"), blank=True)
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("member enterprises"), blank=True, related_name="associations"
    )
    history = HistoricalRecords(m2m_fields=[enterprises])

    class Meta:
        verbose_name = _("association or chamber")
        verbose_name_plural = _("associations and chambers")
        ordering = ["name_zh"]


class EnterpriseContactQuerySet(models.QuerySet):
    def active(self, *, on=None):
        """Links that still stand on ``on`` (today in Asia/Shanghai): not ended, or ended
        later than that day. A contact whose link ended loses the enterprise's portal."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


class EnterpriseContact(models.Model):
    """A person of an enterprise. With a portal account (``user``) it is the link that opens
    the enterprise's side of the portal to that person, until ``ended_on``. One person may
    represent several enterprises (a chamber's secretary): one row per enterprise."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprise_links",
    )
    ended_on = models.DateField(_("portal access ended on"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    history = HistoricalRecords()

    objects = EnterpriseContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        ordering = ["enterprise", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=Q(user__isnull=False),
                name="enterprise_contact_user_once",
            )
        ]

    def __str__(self) -> str:
        return self.name
