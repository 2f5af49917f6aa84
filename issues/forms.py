"""Forms validate what was typed; the services in issues/services.py change state."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from issues.models import TEXT_MAX, Category, Issue, SpecialStudy
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise
from roundtable.lib import params
from roundtable.lib.forms import ModelMultipleChoiceField
from roundtable.meetings.models import Meeting
from roundtable.workdays import services as workdays

# Dates outside this window are typing errors (0001-01-01, 9999-12-31), not plans.
EARLIEST = date(2000, 1, 1)
LATEST_YEARS_AHEAD = 10

ENTERPRISE_SELECT_LIMIT = 300


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


class EnterpriseChoiceField(forms.ModelChoiceField):
    """A searchable enterprise picker: a plain select that works without JavaScript, which
    static/js/picker.js turns into a search box backed by /autocomplete/enterprises/."""

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.credit_code})"


def enterprise_widget_choices(field: forms.ModelChoiceField, selected_ids) -> None:
    """Keep the rendered select small when there are thousands of enterprises: the most
    recently created ones plus whatever is selected; the search box finds the rest."""
    qs = Enterprise.objects.active()
    if qs.count() > ENTERPRISE_SELECT_LIMIT:
        ids = list(qs.order_by("-created_at").values_list("pk", flat=True)[:50])
        ids += [pk for pk in (params.parse_id(str(i)) for i in selected_ids) if pk]
        field.widget.choices = forms.models.ModelChoiceIterator(field)
        field.queryset = Enterprise.objects.all()
        field.widget.choices.queryset = Enterprise.objects.filter(pk__in=ids)


class DeadlineMixin:
    """A deadline given either as a date or as a number of working days from the day the
    issue was raised; a day off gets a warning, an unpublished year a provisional mark."""

    def clean_deadline_fields(self, cleaned, start: date):
        deadline = cleaned.get("deadline")
        days = cleaned.get("deadline_working_days")
        if deadline and days:
            self.add_error(
                "deadline_working_days",
                _("Give the deadline as a date or in working days, not both."),
            )
            return None
        if days:
            deadline = workdays.add_working_days(start, days)
            cleaned["deadline"] = deadline
        if deadline:
            _check_plausible_field(self, "deadline", deadline, _("The deadline"))
            if deadline < start:
                self.add_error(
                    "deadline",
                    _("The deadline cannot be before the day the issue was raised (%(day)s).")
                    % {"day": start},
                )
        return deadline

    def deadline_warnings(self) -> list[str]:
        deadline = self.cleaned_data.get("deadline")
        warnings = []
        if deadline and not workdays.is_working_day(deadline):
            warnings.append(_("The deadline %(day)s is not a working day.") % {"day": deadline})
        if deadline and workdays.is_provisional(deadline):
            warnings.append(
                _(
                    "%(year)s's official holidays are not published yet: the deadline is "
                    "provisional."
                )
                % {"year": deadline.year}
            )
        return warnings


def _check_plausible_field(form, name, value, label):
    try:
        _check_plausible(value, label)
    except forms.ValidationError as exc:
        form.add_error(name, exc)


class IssueForm(DeadlineMixin, forms.ModelForm):
    """Log an issue, and optionally assign it in the same step."""

    enterprise = EnterpriseChoiceField(
        queryset=Enterprise.objects.active(), label=_("Raised by (enterprise)")
    )
    lead_department = forms.ModelChoiceField(
        queryset=Department.objects.active(), required=False, label=_("Lead department")
    )
    co_departments = ModelMultipleChoiceField(
        queryset=Department.objects.active(),
        required=False,
        label=_("Co-handling departments"),
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(required=False, label=_("Deadline"), widget=DateInput())
    deadline_working_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=250,
        label=_("…or in working days"),
        help_text=_("Counted from the day raised, skipping official holidays."),
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
        field_classes = {"other_enterprises": ModelMultipleChoiceField}
        widgets = {
            "raised_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "follow_up_requirement": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["monitor"].queryset = User.objects.filter(is_active=True)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            pk__in=Meeting.objects.order_by("-starts_at").values("pk")[:200]
        )
        self.fields["other_enterprises"].queryset = Enterprise.objects.active()
        self.fields["other_enterprises"].required = False
        selected = (
            self.data.getlist("enterprise") if self.is_bound else [self.initial.get("enterprise")]
        )
        enterprise_widget_choices(self.fields["enterprise"], [s for s in selected if s])
        if Enterprise.objects.count() > ENTERPRISE_SELECT_LIMIT:
            self.fields["other_enterprises"].widget = forms.MultipleHiddenInput()

    def clean_raised_on(self):
        raised_on = self.cleaned_data["raised_on"]
        _check_plausible(raised_on, _("The day raised"))
        if raised_on > timezone.localdate():
            raise forms.ValidationError(_("The day raised cannot be in the future."))
        return raised_on

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("raised_on") or timezone.localdate()
        deadline = self.clean_deadline_fields(cleaned, start)
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


class IssueEditForm(forms.ModelForm):
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
        self.fields["meeting"].queryset = Meeting.objects.all()
        selected = (
            self.data.getlist("enterprise") if self.is_bound else [self.instance.enterprise_id]
        )
        enterprise_widget_choices(self.fields["enterprise"], [s for s in selected if s])
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        if Enterprise.objects.count() > ENTERPRISE_SELECT_LIMIT:
            self.fields["other_enterprises"].widget = forms.MultipleHiddenInput()

    def clean_raised_on(self):
        return IssueForm.clean_raised_on(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") == Issue.Source.MEETING and not cleaned.get("meeting"):
            self.add_error("meeting", _("Choose the meeting the issue was raised at."))
        return cleaned


class AssignForm(DeadlineMixin, forms.Form):
    lead_department = forms.ModelChoiceField(
        queryset=Department.objects.active(), label=_("Lead department")
    )
    co_departments = ModelMultipleChoiceField(
        queryset=Department.objects.active(),
        required=False,
        label=_("Co-handling departments"),
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_person = forms.ModelChoiceField(
        queryset=User.objects.filter(
            is_active=True, department_memberships__isnull=False
        ).distinct(),
        required=False,
        label=_("Responsible person"),
    )
    deadline = forms.DateField(required=False, label=_("Deadline"), widget=DateInput())
    deadline_working_days = forms.IntegerField(
        required=False, min_value=1, max_value=250, label=_("…or in working days")
    )

    def __init__(self, *args, issue: Issue, **kwargs):
        self.issue = issue
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        deadline = self.clean_deadline_fields(cleaned, self.issue.raised_on)
        if not deadline and not self.errors:
            self.add_error("deadline", _("Give a deadline."))
        lead = cleaned.get("lead_department")
        if lead and lead in (cleaned.get("co_departments") or []):
            self.add_error("co_departments", _("The lead department cannot also co-handle."))
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
        label=_("Instruction (批示)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
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
