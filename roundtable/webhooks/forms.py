from django import forms
from django.utils.translation import gettext_lazy as _

from roundtable.webhooks import addresses
from roundtable.webhooks.models import Delivery, Event


class EndpointForm(forms.Form):
    """An endpoint as an administrator enters it; the URL is checked (``addresses.py``)."""

    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("The system that receives the events.")
    )
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on a public network. Events are POSTed to it as JSON."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive endpoint receives nothing; its pending deliveries are dropped."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            addresses.check(url)
        except addresses.UnsafeURL as exc:
            raise forms.ValidationError(str(exc), code="unsafe") from exc
        return url


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Delivery.Status.choices],
    )
