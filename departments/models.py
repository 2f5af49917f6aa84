from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roundtable.lib.i18n import BilingualNameMixin
from roundtable.lib.ordering import ORDER_HELP


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Department(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from BilingualNameMixin
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Government department")
        DIVISION = "division", _("Division")
        ORGANISATION = "organisation", _("Other organisation")

    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    code = models.SlugField(_("short code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
    )
    office_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The official order of the government's list of departments: how Chinese readers expect
    # them listed (roundtable/lib/ordering.py; English readers get them alphabetically).
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=ORDER_HELP)
    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()
    # Choices of departments are in their reader's order (roundtable.lib.forms).
    reader_ordered = True

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]


class MembershipQuerySet(models.QuerySet):
    def current(self, *, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)

    def heads(self):
        return self.filter(role=DepartmentMembership.Role.HEAD)

    def liaisons(self):
        return self.filter(role=DepartmentMembership.Role.LIAISON)

    def holds_seat(self, user, department, *, on=None) -> bool:
        """Whether ``user`` is a head or liaison of ``department`` now (on ``on``): the one
        rule for who may be named responsible for that department's assignment."""
        return self.current(on=on).filter(user=user, department=department).exists()


class DepartmentMembership(models.Model):
    """A person's seat in a department: its head or its liaison, for a period."""

    class Role(models.TextChoices):
        HEAD = "head", _("Department head")
        LIAISON = "liaison", _("Liaison")

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    office_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    started_on = models.DateField(_("since"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        ordering = ["department", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "user", "role"],
                condition=Q(ended_on__isnull=True),
                name="one_open_membership_per_role",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["head", "liaison"]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
