"""The enterprise side's concern forms: a signed-in contact's, and the public form's. Each
form has only the fields its sender may set; the status, the enterprise's verification and
the decision are the staff's (``meetings/services/concerns.py``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from issues.attachments import validate_upload
from issues.models import Category
from roundtable.lib import challenge
from roundtable.lib.forms import ModelChoiceField
from roundtable.lib.uscc import normalize, validate_uscc
from roundtable.meetings.services.concerns import MAX_FILES

TEXT_MAX = 5000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as an issue attachment is."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise ValidationError(
                ngettext(
                    "Send at most %(n)d file with a concern.",
                    "Send at most %(n)d files with a concern.",
                    MAX_FILES,
                ),
                params={"n": MAX_FILES},
            )
        cleaned = []
        errors = []
        for uploaded in files:
            single = super().clean(uploaded, initial)
            if single is None:
                continue
            try:
                validate_upload(single)
            except ValidationError as exc:
                errors.extend(f"{single.name[:100]}: {message}" for message in exc.messages)
            cleaned.append(single)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _category_field():
    return ModelChoiceField(
        queryset=Category.objects.filter(is_active=True), required=False, label=_("Category")
    )


def _text_field():
    return forms.CharField(
        label=_("Your concern"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, what you need, and since when."),
    )


class ContactConcernForm(forms.Form):
    enterprise = forms.TypedChoiceField(
        label=_("For the enterprise"), coerce=int, required=False, empty_value=None
    )
    category = _category_field()
    text = _text_field()
    may_discuss = forms.BooleanField(
        label=_("It may be discussed at the next roundtable meeting"), required=False, initial=True
    )
    files = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        help_text=_("PDF, images, Office documents, text; up to 10 files."),
    )

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = {e.pk: e for e in enterprises}
        self.fields["enterprise"].choices = [(e.pk, str(e)) for e in enterprises]
        if len(enterprises) == 1:
            self.fields["enterprise"].initial = enterprises[0].pk
            self.fields["enterprise"].widget = forms.HiddenInput()

    def clean_enterprise(self):
        chosen = self.cleaned_data["enterprise"]
        if chosen is None:
            if len(self.enterprises) != 1:
                raise ValidationError(_("Choose the enterprise."), code="required")
            return next(iter(self.enterprises.values()))
        return self.enterprises[chosen]


class PublicConcernForm(forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("The 18 characters on the business licence."),
    )
    company = forms.CharField(label=_("Company name"), max_length=200)
    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send the link to follow your concern to this address."),
    )
    category = _category_field()
    text = _text_field()
    answer = forms.CharField(label=_("Question"), max_length=10)
    challenge = forms.CharField(widget=forms.HiddenInput())
    # A field people do not see (hidden by the style sheet) and scripts fill in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self.data.get("challenge", "") if self.is_bound else ""
        question = challenge.again(token) if token else None
        if question is None or not self.is_bound:
            question = challenge.new()
            self.data = self.data.copy() if self.is_bound else self.data
            if self.is_bound:
                self.data["challenge"] = question.token
        self.question = question
        self.fields["challenge"].initial = question.token
        self.fields["answer"].label = question.question

    def clean_credit_code(self):
        code = normalize(self.cleaned_data["credit_code"])
        validate_uscc(code)
        return code

    def clean(self):
        data = super().clean()
        # Checked last, once everything else is right: a right answer uses the question up.
        if self.errors or "answer" not in data:
            return data
        if not challenge.solved(data.get("challenge", ""), data["answer"]):
            self.add_error("answer", _("That is not the right answer: please try again."))
            fresh = challenge.new()
            self.data = self.data.copy()
            self.data["challenge"] = fresh.token
            self.data["answer"] = ""
            self.question = fresh
            self.fields["answer"].label = fresh.question
        return data

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())
