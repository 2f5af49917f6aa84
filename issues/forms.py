"""Forms validate what was typed; the services in issues/services/ change state."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department, DepartmentMembership
from issues import services
from issues.choice_fields import (
    DepartmentChoiceField,
    DepartmentsChoiceField,
    EnterpriseChoiceField,
    ReadAhead,
    ReadAheadMultipleChoiceField,
    enterprise_widget_choices,
)
from issues.models import TEXT_MAX, Category, Issue, SpecialStudy
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise
from roundtable.lib import ordering, params
from roundtable.lib.forms import (
    ChoicesCheckedOnce,
    ModelChoiceField,
    ModelMultipleChoiceField,
    SearchableSelectMultiple,
)
from roundtable.workdays import services as workdays

# Dates outside this window are typing errors (0001-01-01, 9999-12-31), not plans.
EARLIEST = date(2000, 1, 1)
LATEST_YEARS_AHEAD = 10


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _check_plausible(day: date | None, label) -> None:
    if day is None:
        return
    latest = timezone.localdate().replace(month=1, day=1).year + LATEST_YEARS_AHEAD
    if day < EARLIEST or day.year > latest:
        raise forms.ValidationError(
            _("%(label)s %(day)s is outside the plausible range (%(first)s to %(last)s).")
            % {"label": label, "day": day, "first": EARLIEST.year, "last": latest}
        )


_PREVIEW_ATTRS = {
    # The date a deadline field gives, shown as it is typed (issues/views_deadlines.py); the
    # "Show the deadline" button does the same without JavaScript.
    "hx-get": reverse_lazy("issues:deadline_preview"),
    "hx-trigger": "input changed delay:300ms, change",
    "hx-target": "#deadline-preview",
    "hx-include": "[name=deadline], [name=deadline_working_days]",
}


def deadline_field() -> forms.DateField:
    return forms.DateField(
        required=False, label=_("Deadline"), widget=DateInput(attrs=_PREVIEW_ATTRS)
    )


def working_days_field() -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=250,
        label=_("…or in working days"),
        help_text=_("Counted from today, skipping official holidays."),
        widget=forms.NumberInput(attrs=_PREVIEW_ATTRS),
    )


def confirm_past_field() -> forms.BooleanField:
    # Shown in the preview only when the deadline has passed (partials/deadline_preview.html).
    return forms.BooleanField(required=False, label=_("Keep this deadline although it has passed"))


@dataclass
class DeadlinePreview:
    """What a form's deadline fields give, shown before saving: the date, how it was
    counted, warnings, and the errors of those two fields."""

    deadline: workdays.Deadline | None
    warnings: list
    errors: list
    past: bool  # the date has passed: the preview offers the box that keeps it


class DeadlineMixin:
    """A deadline given either as a date or as N working days counted from today
    (``workdays.deadline_in_working_days``: the day it is given, never the day the issue was
    raised). ``cleaned_data["deadline"]`` is a ``workdays.Deadline`` for the services. A day
    off gets a warning, an unpublished year a provisional mark; a date that has already
    passed is saved only once the user has seen it and ticked ``confirm_past_deadline``."""

    def clean_deadline_fields(
        self, cleaned, earliest: date, earliest_error
    ) -> workdays.Deadline | None:
        """``earliest``: the first day the deadline may be; ``earliest_error`` says so."""
        day = cleaned.get("deadline")
        days = cleaned.get("deadline_working_days")
        self.deadline_given = self.past_deadline_error = None
        if day and days:
            self.add_error(
                "deadline_working_days",
                _("Give the deadline as a date or in working days, not both."),
            )
            cleaned["deadline"] = None
            return None
        if days:
            deadline = workdays.deadline_in_working_days(days)
        elif day:
            deadline = workdays.Deadline(day)
        else:
            return None
        cleaned["deadline"] = deadline
        _check_plausible_field(self, "deadline", deadline.day, _("The deadline"))
        if self.has_error("deadline"):
            return None
        self.deadline_given = deadline
        if deadline.day < earliest:
            self.add_error("deadline", earliest_error)
        elif deadline.day < timezone.localdate() and not cleaned.get("confirm_past_deadline"):
            self.past_deadline_error = _(
                "The deadline %(day)s has already passed: the issue would be overdue at once. "
                "Tick the box below the date to keep it."
            ) % {"day": deadline.day}
            self.add_error("deadline", self.past_deadline_error)
        return deadline

    def deadline_warnings(self) -> list[str]:
        deadline = getattr(self, "deadline_given", None)
        if deadline is None:
            return []
        day = deadline.day
        warnings = []
        if day < timezone.localdate():
            warnings.append(
                _("The deadline %(day)s has already passed: the issue will be overdue at once.")
                % {"day": day}
            )
        if not workdays.is_working_day(day):
            warnings.append(_("The deadline %(day)s is not a working day.") % {"day": day})
        if deadline.provisional:
            warnings.append(
                _(
                    "Counted Monday to Friday in %(year)s, whose official holidays are not "
                    "published yet: the deadline is provisional, and commerce staff can count "
                    "it again when they are."
                )
                % {"year": day.year}
            )
        elif workdays.is_provisional(day):
            warnings.append(
                _(
                    "%(year)s's official holidays are not published yet: the deadline is "
                    "provisional."
                )
                % {"year": day.year}
            )
        return warnings

    def deadline_preview(self) -> DeadlinePreview | None:
        """The deadline the typed fields give, for showing before saving; None when the form
        is not bound or gives no deadline."""
        if not self.is_bound:
            return None
        self.errors  # noqa: B018 - validates once, which sets deadline_given
        # The preview shows the passed date as a warning with the box to tick, not as an error.
        past_error = getattr(self, "past_deadline_error", None)
        errors = [
            error
            for name in ("deadline", "deadline_working_days")
            for error in self.errors.get(name, [])
            if error != past_error
        ]
        deadline = getattr(self, "deadline_given", None)
        if deadline is None and not errors:
            return None
        return DeadlinePreview(
            deadline=deadline,
            warnings=self.deadline_warnings(),
            errors=errors,
            past=deadline is not None and deadline.day < timezone.localdate(),
        )


def _check_plausible_field(form, name, value, label):
    try:
        _check_plausible(value, label)
    except forms.ValidationError as exc:
        form.add_error(name, exc)


def _meetings():
    """``Meeting.objects``, reached through the ``Issue.meeting`` foreign key: issues sits below
    meetings (README, Layers) and never imports it."""
    return Issue.meeting.field.related_model.objects


class IssueForm(ReadAhead, ChoicesCheckedOnce, DeadlineMixin, forms.ModelForm):
    """Log an issue, and optionally assign it in the same step."""

    read_ahead_fields = (
        ("enterprise", "other_enterprises"),
        ("lead_department", "co_departments"),
    )

    enterprise = EnterpriseChoiceField(
        queryset=Enterprise.objects.active(), label=_("Raised by (enterprise)")
    )
    lead_department = DepartmentChoiceField(
        queryset=Department.objects.active(), required=False, label=_("Lead department")
    )
    co_departments = DepartmentsChoiceField(
        queryset=Department.objects.active(),
        required=False,
        label=_("Co-handling departments"),
        widget=SearchableSelectMultiple,
    )
    deadline = deadline_field()
    deadline_working_days = working_days_field()
    confirm_past_deadline = confirm_past_field()

    class Meta:
        model = Issue
        fields = [
            "title",
            "description",
            "enterprise",
            "other_enterprises",
            "category",
            "source",
            "meeting",
            "raised_on",
            "priority",
            "follow_up_requirement",
            "monitor",
        ]
        field_classes = {"other_enterprises": ReadAheadMultipleChoiceField}
        widgets = {
            "raised_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "follow_up_requirement": forms.Textarea(attrs={"rows": 3}),
            # Searched on the server: there may be thousands (enterprise_widget_choices).
            "other_enterprises": SearchableSelectMultiple(
                search_url=reverse_lazy("enterprises:autocomplete")
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        category = self.fields["category"]  # in the reader's order, "Other" last, when rendered
        category.widget.choices = lambda: ordering.for_reader(category.choices)
        self.fields["monitor"].queryset = User.objects.filter(is_active=True)
        meetings = _meetings()
        self.fields["meeting"].queryset = meetings.filter(
            pk__in=meetings.order_by("-starts_at").values("pk")[:200]
        )
        self.fields["other_enterprises"].queryset = Enterprise.objects.active()
        self.fields["other_enterprises"].required = False
        selected = (
            self.data.getlist("enterprise") if self.is_bound else [self.initial.get("enterprise")]
        )
        enterprise_widget_choices(self.fields["enterprise"], [s for s in selected if s])
        others = self.data.getlist("other_enterprises") if self.is_bound else []
        enterprise_widget_choices(self.fields["other_enterprises"], others)

    @staticmethod
    def create_arguments(data: dict) -> dict:
        """What ``services.issue_create`` takes from this form's cleaned data (the page and the
        API create an issue from the same form)."""
        names = (
            *IssueForm.Meta.fields,
            "lead_department",
            "co_departments",
            "deadline",
        )
        return {name: data[name] for name in names}

    def clean_raised_on(self):
        raised_on = self.cleaned_data["raised_on"]
        _check_plausible(raised_on, _("The day raised"))
        if raised_on > timezone.localdate():
            raise forms.ValidationError(_("The day raised cannot be in the future."))
        return raised_on

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("raised_on") or timezone.localdate()
        deadline = self.clean_deadline_fields(
            cleaned,
            start,
            _("The deadline cannot be before the day the issue was raised (%(day)s).")
            % {"day": start},
        )
        lead = cleaned.get("lead_department")
        if lead and not deadline and not self.has_error("deadline"):
            self.add_error("deadline", _("Give a deadline when assigning a lead department."))
        if deadline and not lead:
            self.add_error("lead_department", _("Choose the lead department for this deadline."))
        if lead and lead in (cleaned.get("co_departments") or []):
            self.add_error("co_departments", _("The lead department cannot also co-handle."))
        if cleaned.get("source") == Issue.Source.MEETING and not cleaned.get("meeting"):
            self.add_error("meeting", _("Choose the meeting the issue was raised at."))
        return cleaned


class IssueEditForm(ChoicesCheckedOnce, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    enterprise = EnterpriseChoiceField(
        queryset=Enterprise.objects.all(), label=_("Raised by (enterprise)")
    )

    class Meta:
        model = Issue
        fields = [
            "title",
            "description",
            "enterprise",
            "other_enterprises",
            "category",
            "source",
            "meeting",
            "raised_on",
            "priority",
            "follow_up_requirement",
            "monitor",
        ]
        widgets = IssueForm.Meta.widgets
        field_classes = IssueForm.Meta.field_classes

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other_enterprises"].required = False
        self.fields["meeting"].queryset = _meetings().all()
        selected = (
            self.data.getlist("enterprise") if self.is_bound else [self.instance.enterprise_id]
        )
        enterprise_widget_choices(self.fields["enterprise"], [s for s in selected if s])
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        others = (
            self.data.getlist("other_enterprises")
            if self.is_bound
            else list(self.instance.other_enterprises.values_list("pk", flat=True))
        )
        enterprise_widget_choices(self.fields["other_enterprises"], others)

    def clean_raised_on(self):
        return IssueForm.clean_raised_on(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") == Issue.Source.MEETING and not cleaned.get("meeting"):
            self.add_error("meeting", _("Choose the meeting the issue was raised at."))
        return cleaned


class AssignForm(ReadAhead, DeadlineMixin, forms.Form):
    lead_department = DepartmentChoiceField(
        queryset=Department.objects.active(), label=_("Lead department")
    )
    co_departments = DepartmentsChoiceField(
        queryset=Department.objects.active(),
        required=False,
        label=_("Co-handling departments"),
        widget=SearchableSelectMultiple,
    )
    responsible_person = ModelChoiceField(
        # People holding a seat now; clean() checks it is in the lead department.
        queryset=User.objects.filter(
            is_active=True,
            department_memberships__in=DepartmentMembership.objects.current(),
        ).distinct(),
        required=False,
        label=_("Responsible person"),
        help_text=_("A head or liaison of the lead department."),
    )
    deadline = deadline_field()
    deadline_working_days = working_days_field()
    confirm_past_deadline = confirm_past_field()

    def __init__(self, *args, issue: Issue, **kwargs):
        self.issue = issue
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        raised = self.issue.raised_on
        deadline = self.clean_deadline_fields(
            cleaned,
            raised,
            _("The deadline cannot be before the day the issue was raised (%(day)s).")
            % {"day": raised},
        )
        if not deadline and not self.errors:
            self.add_error("deadline", _("Give a deadline."))
        lead = cleaned.get("lead_department")
        if lead and lead in (cleaned.get("co_departments") or []):
            self.add_error("co_departments", _("The lead department cannot also co-handle."))
        person = cleaned.get("responsible_person")
        if lead and person and not DepartmentMembership.objects.holds_seat(person, lead):
            self.add_error("responsible_person", services.RESPONSIBLE_NOT_IN_LEAD)
        return cleaned


class DeadlinePreviewForm(DeadlineMixin, forms.Form):
    """The deadline fields alone, for the preview that answers as they are typed."""

    deadline = deadline_field()
    deadline_working_days = working_days_field()
    confirm_past_deadline = confirm_past_field()

    def clean(self):
        cleaned = super().clean()
        self.clean_deadline_fields(cleaned, EARLIEST, "")
        return cleaned


class RecountDeadlinesForm(forms.Form):
    """The list of provisional deadlines as the user saw it: the calendar's version and the
    issues listed, so that nothing is recounted that was not shown."""

    calendar_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        ids = [params.parse_id(i) for i in self.data.getlist("issue")]
        if not ids or None in ids:
            raise forms.ValidationError(_("The list of issues was not understood."))
        cleaned["issue_ids"] = ids
        return cleaned


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this not your department's remit?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
    )


class ProgressForm(forms.Form):
    body = forms.CharField(
        label=_("Progress"), widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX
    )
    file = forms.FileField(label=_("Attachment (optional)"), required=False)
    visible_to_enterprise = forms.BooleanField(
        label=_("Show this progress to the enterprise"),
        required=False,
        help_text=_(
            "The enterprise's contacts then read it on their side of the portal, with its "
            "attachment. Leave it unticked for internal notes."
        ),
    )


class ExtensionForm(forms.Form):
    requested_deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )

    def clean_requested_deadline(self):
        day = self.cleaned_data["requested_deadline"]
        _check_plausible(day, _("The new deadline"))
        return day


class DecideExtensionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))], label=_("Decision")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX,
    )


class ConclusionForm(forms.Form):
    resolution = forms.CharField(
        label=_("How was it resolved?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
    )
    concluded_on = forms.DateField(label=_("Concluded on"), widget=DateInput(), required=False)

    def clean_concluded_on(self):
        day = self.cleaned_data.get("concluded_on")
        _check_plausible(day, _("The conclusion date"))
        return day


class CloseForm(forms.Form):
    satisfaction = forms.ChoiceField(
        choices=Issue.Satisfaction.choices,
        label=_("Enterprise's satisfaction"),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Verification note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX
    )


class InstructionForm(forms.Form):
    body = forms.CharField(
        label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class SpecialStudyForm(forms.ModelForm):
    issues = ModelMultipleChoiceField(
        queryset=Issue.objects.none(),
        required=False,
        label=_("Issues"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SpecialStudy
        fields = ["title", "lead_department", "status", "description", "findings", "policy_outcome"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 4}),
            "policy_outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, candidate_issues=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidate_issues is not None:
            self.fields["issues"].queryset = candidate_issues
        else:
            del self.fields["issues"]
