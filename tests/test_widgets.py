import pytest
from django import forms
from django.test.html import parse_html
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from roundtable.lib.widgets import PlainSelect

CHOICES = [("", "—"), ("a&b", _("Closed")), ("<x>", "<script>alert(1)</script>"), ("a&b", "twice")]


def _both(field_kwargs, data, name="f"):
    """The same bound field rendered by Django's Select and by PlainSelect."""
    rendered = []
    for widget in (forms.Select, PlainSelect):

        class Form(forms.Form):
            f = field_kwargs["cls"](widget=widget, **field_kwargs["kwargs"])

        form = Form(data)
        form.is_valid()
        rendered.append(str(form[name]))
    return rendered


@pytest.mark.parametrize("value", ["", "a&b", "<x>", "not offered"])
def test_plain_select_writes_what_djangos_select_writes(value):
    django_html, plain_html = _both(
        {"cls": forms.ChoiceField, "kwargs": {"choices": CHOICES, "required": False}},
        {"f": value},
    )
    assert parse_html(plain_html) == parse_html(django_html)
    assert "<script>" not in plain_html


def test_plain_select_labels_speak_the_active_language():
    with translation.override("zh-hans"):
        _, plain_html = _both(
            {"cls": forms.ChoiceField, "kwargs": {"choices": CHOICES, "required": False}}, {}
        )
    assert "已销号" in plain_html


@pytest.mark.django_db
def test_plain_select_of_a_model_choice_marks_the_chosen_row():
    first, second = (
        Department.objects.create(name_zh=f"部门{n}", name_en=f"Dept {n}", code=f"d{n}")
        for n in (1, 2)
    )
    django_html, plain_html = _both(
        {"cls": forms.ModelChoiceField, "kwargs": {"queryset": Department.objects.order_by("pk")}},
        {"f": str(second.pk)},
    )
    assert parse_html(plain_html) == parse_html(django_html)
    assert f'<option value="{second.pk}" selected>' in plain_html
    assert f'<option value="{first.pk}">' in plain_html
