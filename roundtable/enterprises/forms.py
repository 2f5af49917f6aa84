"""Forms validate what was typed; roundtable/enterprises/services.py registers and changes.

The enterprise form is a plain form (not a ModelForm): duplicates by credit code or name are
the service's to refuse, with a message that names the enterprise already registered, rather
than the model's generic unique-constraint message.
"""

from django import forms
from django.db.models import Q
from django.forms.models import fields_for_model, model_to_dict
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from roundtable.accounts.models import User
from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.lib import industries as industries_
from roundtable.lib import ordering
from roundtable.lib.forms import ModelChoiceField, ModelMultipleChoiceField
from roundtable.lib.i18n import bilingual, prefers_chinese
from roundtable.lib.uscc import normalize, validate_uscc

ENTERPRISE_FIELDS = [
    "name_zh",
    "name_en",
    "credit_code",
    "country",
    "industry",
    "business_field",
    "address",
    "size",
    "designated_official",
    "service_contact",
    "visit_interval_days",
    "is_active",
]


class FastSelect(forms.Select):
    """A select whose options are written in Python. Django renders every option through a
    template of its own, which for 250 countries is most of a directory request's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


def active_users():
    return User.objects.filter(is_active=True).order_by("full_name", "username")


class EnterpriseForm(forms.Form):
    def __init__(self, *args, instance: Enterprise | None = None, **kwargs):
        self.instance = instance
        initial = kwargs.pop("initial", {}) or {}
        if instance is not None:
            initial = {
                **model_to_dict(instance, fields=ENTERPRISE_FIELDS),
                "associations": list(instance.associations.values_list("pk", flat=True)),
                **initial,
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(
            fields_for_model(Enterprise, fields=ENTERPRISE_FIELDS, widgets={"country": FastSelect})
        )
        # Typed with spaces, full-width or lower case: normalised below, so allow the length.
        self.fields["credit_code"] = forms.CharField(
            label=capfirst(Enterprise._meta.get_field("credit_code").verbose_name),
            max_length=60,
            help_text=Enterprise._meta.get_field("credit_code").help_text,
        )
        self.fields["designated_official"].queryset = active_users()
        self.fields["service_contact"].queryset = active_users().filter(
            groups__name="commerce_staff"
        )
        self.fields["visit_interval_days"].min_value = 7
        self.fields["visit_interval_days"].max_value = 730
        self.fields["visit_interval_days"].widget.attrs.update(min=7, max=730)
        self.fields["associations"] = ModelMultipleChoiceField(
            queryset=Association.objects.all(),
            required=False,
            label=_("Associations and chambers"),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["address"].widget = forms.TextInput()
        if instance is None:
            self.fields["is_active"].initial = True

    def clean_credit_code(self):
        code = normalize(self.cleaned_data["credit_code"])
        validate_uscc(code)
        return code

    def clean_name_zh(self):
        return " ".join(self.cleaned_data["name_zh"].split())

    def clean_name_en(self):
        return " ".join(self.cleaned_data["name_en"].split())


class ContactForm(forms.ModelForm):
    class Meta:
        model = EnterpriseContact
        fields = ["name", "title", "phone", "email", "preferred_language", "is_primary"]


class DirectoryFilterForm(forms.Form):
    """The directory's filters, in the URL so a search can be bookmarked."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Name or credit code"),
        help_text=_("Chinese or English name, or part of the credit code."),
    )
    country = forms.ChoiceField(
        required=False,
        choices=[("", "—")],  # in the request's language: see __init__
        label=_("Country or region"),
        widget=FastSelect,
    )
    industry = forms.ChoiceField(
        required=False, choices=[("", "—")], label=_("Industry"), widget=FastSelect
    )
    # Plain choices from one values_list each: a ModelChoiceField iterates its queryset
    # through a server-side cursor on PostgreSQL (three round trips per select).
    official = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Designated official"),
        widget=FastSelect,
    )
    association = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Association or chamber"),
        widget=FastSelect,
    )
    inactive = forms.BooleanField(required=False, label=_("Include inactive enterprises"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        industries = (
            Enterprise.objects.exclude(industry="")
            .order_by("industry")
            .values_list("industry", flat=True)
            .distinct()
        )
        # Named in the reader's language, in the classification's order (lib/industries.py).
        self.fields["industry"].choices = ordering.for_reader(
            [
                ("", "—"),
                *((i, industries_.name(i)) for i in sorted(industries, key=industries_.place)),
            ]
        )
        # Country names in the language of this request, not of the process's first import.
        self.fields["country"].choices = ordering.for_reader([("", "—"), *countries])
        officials = (
            User.objects.filter(
                pk__in=Enterprise.objects.filter(designated_official__isnull=False).values(
                    "designated_official"
                )
            )
            .order_by("full_name", "username")
            .values_list("pk", "full_name", "first_name", "last_name", "username")
        )
        self.fields["official"].choices = [
            ("", "—"),
            *((pk, full or f"{first} {last}".strip() or username)
              for pk, full, first, last, username in officials),
        ]  # fmt: skip
        associations = Association.objects.order_by("name_zh").values_list(
            "pk", "name_zh", "name_en"
        )
        chinese = prefers_chinese()
        self.fields["association"].choices = ordering.for_reader(
            [("", "—"), *((pk, bilingual(zh, en, chinese=chinese)) for pk, zh, en in associations)],
            chinese=chinese,
        )


def apply_directory_filters(qs, data: dict):
    text = (data.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(name_zh__icontains=text)
            | Q(name_en__icontains=text)
            | Q(credit_code__icontains=normalize(text))
        )
    if data.get("country"):
        qs = qs.filter(country=data["country"])
    if data.get("industry"):
        qs = qs.filter(industry=data["industry"])
    if data.get("official"):
        qs = qs.filter(designated_official_id=data["official"])
    if data.get("association"):
        qs = qs.filter(associations__id=data["association"])
    if not data.get("inactive"):
        qs = qs.filter(is_active=True)
    return qs


class ReassignForm(forms.Form):
    enterprises = ModelMultipleChoiceField(
        queryset=Enterprise.objects.all(),
        label=_("Enterprises"),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Tick the enterprises to reassign.")},
    )
    official = ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("New designated official"),
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = active_users()
