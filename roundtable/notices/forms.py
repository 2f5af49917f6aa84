"""The notice form: kind, a title and text per language (Chinese required), the target and
what it names. It validates; ``services.py`` writes."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from issues.choice_fields import enterprise_widget_choices
from roundtable.enterprises.models import Association, Enterprise
from roundtable.lib import industries, ordering
from roundtable.lib.forms import ModelMultipleChoiceField, SearchableSelectMultiple
from roundtable.lib.i18n import bilingual
from roundtable.notices.models import SUFFIX, VERSION_LANGUAGES, Notice


def _industry_choices():
    return [(letter, bilingual(zh, en)) for letter, zh, en in industries.SECTIONS]


class NoticeForm(forms.ModelForm):
    target_industries = forms.MultipleChoiceField(
        label=_("Industries"), required=False, widget=SearchableSelectMultiple
    )
    target_countries = forms.MultipleChoiceField(
        label=_("Investor countries or regions"), required=False, widget=SearchableSelectMultiple
    )
    target_associations = ModelMultipleChoiceField(
        label=_("Associations and chambers"),
        queryset=Association.objects.all(),
        required=False,
        widget=SearchableSelectMultiple,
    )
    target_enterprises = ModelMultipleChoiceField(
        label=_("Enterprises"),
        queryset=Enterprise.objects.active(),
        required=False,
        widget=SearchableSelectMultiple(search_url=reverse_lazy("enterprises:autocomplete")),
        help_text=_("Type a name or a credit code to find an enterprise."),
    )

    class Meta:
        model = Notice
        fields = [
            "kind",
            "title_zh",
            "body_zh",
            "title_en",
            "body_en",
            "title_ja",
            "body_ja",
            "title_ko",
            "body_ko",
            "target",
            "target_industries",
            "target_countries",
            "target_associations",
            "target_enterprises",
        ]
        widgets = {f"body_{s}": forms.Textarea(attrs={"rows": 6}) for s in SUFFIX.values()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_industries"].choices = _industry_choices()
        self.fields["target_countries"].choices = ordering.for_reader(list(countries))
        self.fields["target"].widget = forms.RadioSelect(choices=Notice.Target.choices)
        selected = self.data.getlist("target_enterprises") if self.is_bound else []
        if not self.is_bound and self.instance.pk:
            selected = list(self.instance.target_enterprises.values_list("pk", flat=True))
        enterprise_widget_choices(self.fields["target_enterprises"], selected)

    def clean(self):
        data = super().clean()
        for language in VERSION_LANGUAGES:
            suffix = SUFFIX[language]
            title = (data.get(f"title_{suffix}") or "").strip()
            body = (data.get(f"body_{suffix}") or "").strip()
            if bool(title) != bool(body):
                missing = f"body_{suffix}" if title else f"title_{suffix}"
                self.add_error(
                    missing, _("Give both a title and a text in this language, or neither.")
                )
        needed = {
            Notice.Target.INDUSTRY: ("target_industries", _("Choose at least one industry.")),
            Notice.Target.COUNTRY: (
                "target_countries",
                _("Choose at least one country or region."),
            ),
            Notice.Target.ASSOCIATION: (
                "target_associations",
                _("Choose at least one association or chamber."),
            ),
            Notice.Target.ENTERPRISES: (
                "target_enterprises",
                _("Choose at least one enterprise."),
            ),
        }
        if data.get("target") in needed:
            name, message = needed[data["target"]]
            if not data.get(name):
                self.add_error(name, message)
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "data": data,
            "associations": list(data.get("target_associations") or []),
            "enterprises": list(data.get("target_enterprises") or []),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
