"""Forms of the staff's intake queue: the decisions on an enterprise's concern. They validate
what was typed; ``services/concerns.py`` decides."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from issues.models import TITLE_MAX, Category, Issue
from roundtable.enterprises.models import Enterprise
from roundtable.lib.forms import ModelChoiceField
from roundtable.lib.uscc import normalize
from roundtable.meetings.models import IntakeItem, Meeting


def _reason_field(label=None, help_text=None):
    return forms.CharField(
        label=label or _("Reason, as the enterprise will read it"),
        help_text=help_text
        or _("The enterprise's contact reads this with the decision. Write it for them."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ConcernAcceptForm(forms.Form):
    title = forms.CharField(label=_("Title of the ledger issue"), max_length=TITLE_MAX)
    category = ModelChoiceField(queryset=Category.objects.none(), label=_("Category"))
    reason = _reason_field()

    def __init__(self, *args, item: IntakeItem, **kwargs):
        kwargs.setdefault("initial", {"title": item.text[:TITLE_MAX], "category": item.category_id})
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)


class ConcernAttachForm(forms.Form):
    meeting = ModelChoiceField(queryset=Meeting.objects.none(), label=_("Meeting"))
    reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.INTAKE_OPEN]
        ).order_by("starts_at")


class ConcernMergeForm(forms.Form):
    issue = ModelChoiceField(queryset=Issue.objects.none(), label=_("Ledger issue"))
    reason = _reason_field()

    def __init__(self, *args, item: IntakeItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issue"].queryset = (
            Issue.objects.filter(
                Q(enterprise_id=item.enterprise_id) | Q(other_enterprises=item.enterprise_id)
            )
            .exclude(status=Issue.Status.CLOSED)
            .distinct()
            .order_by("-raised_on", "-pk")
        )
        self.fields["issue"].label_from_instance = lambda i: f"{i.reference} {i.title}"


class ConcernAnswerForm(forms.Form):
    reason = _reason_field(
        label=_("Answer"), help_text=_("The enterprise's contact reads this answer.")
    )


class ConcernMatchForm(forms.Form):
    enterprise = ModelChoiceField(
        queryset=Enterprise.objects.none(),
        required=False,
        label=_("Enterprise"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    credit_code = forms.CharField(
        label=_("Or another enterprise, by its unified social credit code"),
        required=False,
        max_length=40,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.filter(
            pk__in=[e.pk for e in candidates]
        )

    def clean(self):
        data = super().clean()
        code = normalize(data.get("credit_code") or "")
        if code:
            found = Enterprise.objects.filter(credit_code=code).first()
            if found is None:
                self.add_error("credit_code", _("No enterprise has this credit code."))
            else:
                data["enterprise"] = found
        elif not data.get("enterprise") and not self.errors:
            raise forms.ValidationError(_("Choose the enterprise, or type its credit code."))
        return data
