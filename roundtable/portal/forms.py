from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from issues.models import TEXT_MAX, Issue
from roundtable.accounts.forms import SetPasswordForm
from roundtable.accounts.models import LANGUAGE_AUTONYMS, Language
from roundtable.portal import labels


def language_choices():
    """The four languages, each named in itself (中文, English, 日本語, 한국어)."""
    return [(code, LANGUAGE_AUTONYMS[code]) for code in LANGUAGE_AUTONYMS]


class WelcomeForm(SetPasswordForm):
    """An invited contact's first visit: their password, twice, and their language."""

    language = forms.ChoiceField(
        label=_("Language of the portal and your e-mails"),
        choices=language_choices,
        widget=forms.RadioSelect,
    )

    field_order = ["language", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if user is not None:
            self.fields["language"].initial = user.preferred_language or Language.ENGLISH


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by issues/attachments.py when stored."""

    MAX_FILES = 5

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(count)s file at a time.",
                    "Attach at most %(count)s files at a time.",
                    self.MAX_FILES,
                )
                % {"count": self.MAX_FILES}
            )
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class AddInformationForm(forms.Form):
    body = forms.CharField(
        label=_("Information to add"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX,
        help_text=_("The departments handling the issue read it on the issue's timeline."),
    )
    files = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to 5 files: PDF, images, Office documents, text or ZIP."),
    )


class ConfirmForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied is your enterprise with the conclusion?"),
        choices=labels.satisfaction_choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        help_text=_("If you are dissatisfied, say why: the issue is then reopened."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("satisfaction") == Issue.Satisfaction.DISSATISFIED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Say why your enterprise is dissatisfied."))
        return data


class AttendeeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=0, max_num=10, absolute_max=10)


def attendee_formset(participant, data=None):
    """The registration form of one enterprise's place: its registered people, and empty rows
    up to five (or one more than registered)."""
    initial = [{"name": a.name, "title": a.title} for a in participant.attendees.all()]
    rows = max(5, len(initial) + 1)
    initial += [{} for _ in range(min(rows, 10) - len(initial))]
    return AttendeeFormSet(data, initial=initial, prefix=f"p{participant.pk}")
