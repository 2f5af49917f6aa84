"""The ledger's filters. They live in the URL's query string, so a filtered ledger can be
bookmarked and shared, and every dashboard figure can link to the issues behind it."""

from datetime import date

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from departments.models import Department
from issues.models import Assignment, Category, Issue
from roundtable.workdays import services as workdays

SORTS = {
    "reference": ("year", "sequence"),
    "-reference": ("-year", "-sequence"),
    "deadline": ("deadline", "-id"),
    "-deadline": ("-deadline", "-id"),
    "raised": ("raised_on", "id"),
    "-raised": ("-raised_on", "-id"),
    "status": ("status", "-id"),
    "-status": ("-status", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "-raised"


class LedgerFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.MultipleChoiceField(
        required=False,
        choices=Issue.Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
    )
    lead = forms.ModelChoiceField(
        required=False, queryset=Department.objects.all(), label=_("Lead department")
    )
    department = forms.ModelChoiceField(
        required=False, queryset=Department.objects.all(), label=_("Any department")
    )
    category = forms.ModelChoiceField(
        required=False, queryset=Category.objects.all(), label=_("Category")
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "—"), *Issue.Source.choices], label=_("Source")
    )
    meeting = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    enterprise = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    special_study = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    country = forms.ChoiceField(
        required=False, choices=[("", "—"), *countries], label=_("Country or region")
    )
    monitor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    due_within = forms.IntegerField(
        required=False, min_value=0, max_value=60, label=_("Due within (working days)")
    )
    raised_from = forms.DateField(
        required=False, label=_("Raised from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    raised_to = forms.DateField(
        required=False, label=_("Raised to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    concluded_from = forms.DateField(required=False, widget=forms.HiddenInput)
    concluded_to = forms.DateField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Department.objects.active()
        self.fields["lead"].queryset = active
        self.fields["department"].queryset = active

    def is_filtered(self) -> bool:
        return any(
            v not in (None, "", [], False)
            for k, v in getattr(self, "cleaned_data", {}).items()
            if k != "sort"
        )


def search(qs, text: str):
    """Substring search over reference, title, description and the enterprise's names.
    A substring match finds Chinese words inside titles (用地 in 项目用地审批) as well as
    English."""
    text = text.strip()
    if not text:
        return qs
    condition = Q()
    for term in text.split()[:5]:
        condition &= (
            Q(reference__icontains=term)
            | Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(enterprise__name_zh__icontains=term)
            | Q(enterprise__name_en__icontains=term)
        )
    return qs.filter(condition)


def apply_filters(qs, data: dict, *, today: date | None = None):
    """Narrow ``qs`` (already limited to what the user may see) by cleaned filter data."""
    today = today or timezone.localdate()
    if data.get("q"):
        qs = search(qs, data["q"])
    if data.get("status"):
        qs = qs.filter(status__in=data["status"])
    if data.get("lead"):
        qs = qs.for_department(data["lead"].pk, role=Assignment.Role.LEAD)
    if data.get("department"):
        qs = qs.for_department(data["department"].pk)
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("source"):
        qs = qs.filter(source=data["source"])
    if data.get("meeting"):
        qs = qs.filter(meeting_id=data["meeting"])
    if data.get("enterprise"):
        qs = qs.filter(
            Q(enterprise_id=data["enterprise"])
            | Exists(
                Issue.other_enterprises.through.objects.filter(
                    issue_id=OuterRef("pk"), enterprise_id=data["enterprise"]
                )
            )
        )
    if data.get("special_study"):
        qs = qs.filter(special_study_id=data["special_study"])
    if data.get("country"):
        qs = qs.filter(enterprise__country=data["country"])
    if data.get("monitor"):
        qs = qs.filter(monitor_id=data["monitor"])
    if data.get("overdue"):
        qs = qs.overdue(on=today)
    if data.get("due_within") is not None:
        until = workdays.add_working_days(today, data["due_within"])
        qs = qs.due_between(today, until)
    if data.get("raised_from"):
        qs = qs.filter(raised_on__gte=data["raised_from"])
    if data.get("raised_to"):
        qs = qs.filter(raised_on__lte=data["raised_to"])
    if data.get("concluded_from"):
        qs = qs.filter(concluded_on__gte=data["concluded_from"])
    if data.get("concluded_to"):
        qs = qs.filter(concluded_on__lte=data["concluded_to"])
    return qs.order_by(*SORTS.get(data.get("sort") or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


def due_soon_until(today: date) -> date:
    return workdays.add_working_days(today, settings.ROUNDTABLE["DUE_SOON_WORKING_DAYS"])
