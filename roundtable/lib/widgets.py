from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    """A select that writes its options in Python, with the markup of Django's templates.

    Django renders every option through a template include, about 50 µs each: the ledger's
    filter form, with about a hundred options in its five selects, spent 6 ms of every page
    on them. Option groups are not supported (no caller has them)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                raise TypeError("PlainSelect does not render option groups")
            option_value = "" if option_value is None else str(option_value)
            is_selected = option_value in selected
            if is_selected:
                selected.clear()  # a single select marks its first match, as Django's does
            options.append(
                f'\n  <option value="{conditional_escape(option_value)}"'
                f"{' selected' if is_selected else ''}>{conditional_escape(label)}</option>"
            )
        head = format_html(
            '<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs))
        )
        return mark_safe(f"{head}{''.join(options)}\n</select>")
