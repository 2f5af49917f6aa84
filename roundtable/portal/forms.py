from django import forms
from django.utils.translation import gettext_lazy as _

from roundtable.accounts.forms import SetPasswordForm
from roundtable.accounts.models import LANGUAGE_AUTONYMS, Language


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
