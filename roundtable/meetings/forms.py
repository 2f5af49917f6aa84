"""Forms validate what was typed; roundtable/meetings/services/ changes state."""

from datetime import date

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from issues.choice_fields import EnterpriseChoiceField, enterprise_widget_choices
from issues.forms import (
    DateInput,
    DeadlineMixin,
    _check_plausible,
    confirm_past_field,
    deadline_field,
    working_days_field,
)
from issues.models import TEXT_MAX, TITLE_MAX, Category, Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Association, Enterprise
from roundtable.lib.forms import (
    ModelChoiceField,
    ModelMultipleChoiceField,
    SearchableSelectMultiple,
)
from roundtable.meetings.models import IntakeItem, Meeting, Roundtable, RoundtableSeat
from roundtable.meetings.services import MANUAL_ITEM_STATUSES, PERSON_SEATS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def _datetime_field(label, *, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


def _plausible_moment(value, label):
    if value is not None:
        _check_plausible(timezone.localtime(value).date(), label)
    return value


def active_users():
    return User.objects.filter(is_active=True).order_by("full_name", "username")


class EnterpriseMultipleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.credit_code})"


class RoundtableForm(forms.ModelForm):
    class Meta:
        model = Roundtable
        fields = ["name_zh", "name_en", "jurisdiction", "leading_department", "cadence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leading_department"].queryset = Department.objects.active()


class SeatAddForm(forms.Form):
    role = forms.ChoiceField(choices=RoundtableSeat.Role.choices, label=_("Seat"))
    user = ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Person"),
        help_text=_("For the chair, deputies, the safeguard team and the secretariat."),
    )
    department = ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Department"),
        help_text=_("For member departments and the leading department."),
    )
    started_on = forms.DateField(label=_("Since"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()
        self.fields["department"].queryset = Department.objects.active()
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())

    def clean_started_on(self):
        day = self.cleaned_data["started_on"]
        _check_plausible(day, _("The start"))
        return day


class SeatChangeForm(forms.Form):
    user = ModelChoiceField(queryset=User.objects.none(), required=False, label=_("New holder"))
    department = ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("New department")
    )
    changed_on = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, *args, seat: RoundtableSeat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()
        self.fields["department"].queryset = Department.objects.active()
        if seat.role in PERSON_SEATS:
            del self.fields["department"]
        else:
            del self.fields["user"]
        if not self.is_bound:
            self.initial.setdefault("changed_on", timezone.localdate())

    def clean_changed_on(self):
        day = self.cleaned_data["changed_on"]
        _check_plausible(day, _("The date"))
        return day


class SeatEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Last day"), widget=DateInput())

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        _check_plausible(day, _("The date"))
        return day


class ParticipantsMixin:
    """Participant pickers: enterprises (searchable when there are many), associations,
    departments and people."""

    def add_participant_fields(self, selected_enterprises):
        self.fields["enterprises"] = EnterpriseMultipleChoiceField(
            queryset=Enterprise.objects.active(),
            required=False,
            label=_("Enterprises"),
            # Searched on the server as it is typed (static/js/multiselect.js).
            widget=SearchableSelectMultiple(
                attrs={"data-placeholder": _("Search enterprises by name or credit code")},
                search_url=reverse_lazy("enterprises:autocomplete"),
            ),
        )
        enterprise_widget_choices(self.fields["enterprises"], selected_enterprises)
        self.fields["associations"] = ModelMultipleChoiceField(
            queryset=Association.objects.all(),
            required=False,
            label=_("Associations and chambers"),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["departments"] = ModelMultipleChoiceField(
            queryset=Department.objects.active(),
            required=False,
            label=_("Departments"),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["users"] = ModelMultipleChoiceField(
            queryset=active_users(),
            required=False,
            label=_("People"),
            widget=SearchableSelectMultiple,
        )


class MeetingForm(ParticipantsMixin, forms.ModelForm):
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"), required=False)

    class Meta:
        model = Meeting
        fields = [
            "roundtable",
            "kind",
            "topic",
            "business_fields",
            "countries",
            "form",
            "venue",
            "starts_at",
            "ends_at",
            "intake_closes_on",
        ]
        widgets = {"intake_closes_on": DateInput()}
        help_texts = {
            "business_fields": _("The theme by business field, e.g. manufacturing, logistics."),
            "countries": _("The theme by enterprises' countries or regions, e.g. Germany, Japan."),
        }

    def __init__(self, *args, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roundtable"].required = False
        if Roundtable.objects.count() <= 1:
            self.fields["roundtable"].widget = forms.HiddenInput()
        participants = participants or {}
        if self.is_bound:
            selected = self.data.getlist("enterprises")
        else:
            selected = [e.pk for e in participants.get("enterprises", [])]
            for name in ("enterprises", "associations", "departments", "users"):
                self.initial[name] = [o.pk for o in participants.get(name, [])]
        self.add_participant_fields([s for s in selected if s])

    def clean_starts_at(self):
        return _plausible_moment(self.cleaned_data["starts_at"], _("The start"))

    def clean_ends_at(self):
        return _plausible_moment(self.cleaned_data.get("ends_at"), _("The end"))

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The meeting cannot end before it starts."))
        closes = cleaned.get("intake_closes_on")
        if closes and starts and closes > timezone.localtime(starts).date():
            self.add_error(
                "intake_closes_on", _("Intake must close on or before the day of the meeting.")
            )
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the form must not touch the instance (an edit
        # that fails would otherwise show unsaved values as the meeting's current state).
        pass


class VisitForm(ParticipantsMixin, forms.Form):
    """A service visit in one step: who, when, what was discussed, issues raised."""

    starts_at = _datetime_field(_("When"))
    topic = forms.CharField(label=_("What was discussed (short)"), max_length=200)
    notes = forms.CharField(
        label=_("Working record"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    venue = forms.CharField(label=_("Where"), required=False, max_length=200)
    issues_raised = forms.CharField(
        label=_("Issues raised (one per line)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Each line is logged in the ledger as an issue of the first enterprise (concerning "
            "the others too); assign it from the ledger. Or log issues one by one from the "
            "visit's page."
        ),
    )
    category = ModelChoiceField(
        queryset=Category.objects.none(), required=False, label=_("Category of those issues")
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        selected = self.data.getlist("enterprises") if self.is_bound else []
        self.add_participant_fields([s for s in selected if s])
        self.fields["enterprises"].required = True
        self.fields["enterprises"].label = _("Enterprises visited")
        self.fields["users"].label = _("Who visited")
        del self.fields["associations"]
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        if not self.is_bound:
            self.initial.setdefault("starts_at", timezone.localtime().replace(second=0))
            if actor is not None:
                self.initial.setdefault("users", [actor.pk])

    def clean_starts_at(self):
        return _plausible_moment(self.cleaned_data["starts_at"], _("The time"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("issues_raised", "").strip() and not cleaned.get("category"):
            self.add_error("category", _("Choose a category for the issues raised."))
        return cleaned

    def issue_lines(self) -> list[str]:
        return [line for line in self.cleaned_data.get("issues_raised", "").splitlines()]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=300)


class IntakeOpenForm(forms.Form):
    closes_on = forms.DateField(label=_("Intake closes on"), required=False, widget=DateInput())

    def clean_closes_on(self):
        day = self.cleaned_data.get("closes_on")
        _check_plausible(day, _("The closing day"))
        return day


class IntakeItemForm(forms.Form):
    enterprise = EnterpriseChoiceField(queryset=Enterprise.objects.active(), label=_("Enterprise"))
    text = forms.CharField(
        label=_("Concern"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = ModelChoiceField(
        queryset=Category.objects.none(), required=False, label=_("Category")
    )
    departments = ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Departments concerned"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["departments"].queryset = Department.objects.active()
        selected = self.data.getlist("enterprise") if self.is_bound else []
        _meeting_enterprise_choices(self.fields["enterprise"], meeting, selected)


def _meeting_enterprise_choices(field, meeting: Meeting, selected) -> None:
    """The meeting's own enterprises first in the picker; the search box finds the rest."""
    participant_ids = list(
        meeting.participants.filter(enterprise__isnull=False).values_list(
            "enterprise_id", flat=True
        )
    )
    enterprise_widget_choices(field, [*participant_ids, *[s for s in selected if s]])


class IntakeStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in IntakeItem.Status if s.value in MANUAL_ITEM_STATUSES],
        label=_("Status"),
    )


class ConsultForm(forms.Form):
    department = ModelChoiceField(queryset=Department.objects.none(), label=_("Department"))
    question = forms.CharField(
        label=_("Question for the department"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.active()


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AttendanceForm(forms.Form):
    attended = ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("Present"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        participants = meeting.participants.select_related(
            "enterprise", "association", "department", "user"
        ).order_by("enterprise", "association", "department", "user", "pk")
        self.fields["attended"].queryset = participants
        self.fields["attended"].label_from_instance = _participant_label
        if not self.is_bound:
            self.initial["attended"] = [p.pk for p in participants if p.attended is not False]


def _participant_label(p) -> str:
    if p.enterprise_id:
        kind = _("Enterprise")
    elif p.association_id:
        kind = _("Association")
    elif p.department_id:
        kind = _("Department")
    else:
        kind = _("Person")
    return f"{p} · {kind}"


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    publish = forms.BooleanField(label=_("Publish the minutes"), required=False)


class AgreedPointForm(DeadlineMixin, forms.Form):
    """An agreed point of the meeting, as a ledger issue assigned in the same step."""

    title = forms.CharField(label=_("Agreed point"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    enterprise = EnterpriseChoiceField(
        queryset=Enterprise.objects.active(), label=_("Raised by (enterprise)")
    )
    other_enterprises = EnterpriseMultipleChoiceField(
        queryset=Enterprise.objects.none(),
        required=False,
        label=_("Also concerns"),
        widget=SearchableSelectMultiple,
    )
    category = ModelChoiceField(queryset=Category.objects.none(), label=_("Category"))
    lead_department = ModelChoiceField(
        queryset=Department.objects.none(), label=_("Lead department")
    )
    co_departments = ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Co-handling departments"),
        widget=SearchableSelectMultiple,
    )
    deadline = deadline_field()
    deadline_working_days = working_days_field()
    confirm_past_deadline = confirm_past_field()
    follow_up_requirement = forms.CharField(
        label=_("Follow-up requirement"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    monitor = ModelChoiceField(
        queryset=User.objects.none(), required=False, label=_("Monitor of action")
    )
    priority = forms.ChoiceField(
        choices=Issue.Priority.choices, initial=Issue.Priority.NORMAL, label=_("Priority")
    )
    intake_item = ModelChoiceField(
        queryset=IntakeItem.objects.none(),
        required=False,
        label=_("From the intake item"),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["lead_department"].queryset = Department.objects.active()
        self.fields["co_departments"].queryset = Department.objects.active()
        self.fields["monitor"].queryset = active_users()
        participant_enterprises = Enterprise.objects.filter(
            meeting_participations__meeting=meeting
        ).order_by("name_zh")
        self.fields["other_enterprises"].queryset = participant_enterprises
        self.fields["intake_item"].queryset = meeting.intake_items.filter(issue__isnull=True)
        self.fields["intake_item"].label_from_instance = lambda i: f"{i.enterprise} — {i.text[:60]}"
        selected = self.data.getlist("enterprise") if self.is_bound else []
        _meeting_enterprise_choices(self.fields["enterprise"], meeting, selected)

    def meeting_day(self) -> date:
        return min(timezone.localtime(self.meeting.starts_at).date(), timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        held = self.meeting_day()
        deadline = self.clean_deadline_fields(
            cleaned,
            held,
            _("The deadline cannot be before the meeting (%(day)s).") % {"day": held},
        )
        if (
            not deadline
            and not self.has_error("deadline")
            and not self.has_error("deadline_working_days")
        ):
            self.add_error("deadline", _("Give a deadline."))
        lead = cleaned.get("lead_department")
        if lead and lead in (cleaned.get("co_departments") or []):
            self.add_error("co_departments", _("The lead department cannot also co-handle."))
        return cleaned
