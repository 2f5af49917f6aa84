"""Form fields of rows: ids parsed with roundtable.lib.params before the database sees them,
and code lists in their reader's order; model forms that check a choice once; the project's
form renderer."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from roundtable.lib import ordering, params


class ReaderOrderedChoices(ModelChoiceIterator):
    """The choices of a code list (a model with ``reader_ordered = True``: departments,
    categories) in the reader's order (``roundtable/lib/ordering.py``): alphabetical in
    English, the model's official order in Chinese, "Other" last in both. Other models' rows
    keep their queryset's order (meetings by date, say)."""

    def __iter__(self):
        choices = super().__iter__()
        if getattr(self.queryset.model, "reader_ordered", False):
            yield from ordering.for_reader(list(choices))
        else:
            yield from choices


class ModelChoiceField(forms.ModelChoiceField):
    """Django's ModelChoiceField, a code list in the reader's order (``ReaderOrderedChoices``).
    Use it for every choice of one row."""

    iterator = ReaderOrderedChoices


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's ModelMultipleChoiceField, refusing an id that no row can have.

    Django checks each value with an exact lookup, which refuses "²" but lets 2**63 through,
    and then looks them all up with ``pk__in``: SQLite raises OverflowError on a number past
    2**63 - 1 (a 500). Here every value of an integer key must be an id (ASCII digits, 1 to
    2**63 - 1), or the field answers with its "not a valid value" error. Use it for every
    multiple choice of rows: the forms' own fields, ``Meta.field_classes`` for a ModelForm's
    many-to-many fields, and the admin (roundtable.lib.admin). A code list is in the reader's
    order (``ReaderOrderedChoices``)."""

    iterator = ReaderOrderedChoices

    def _check_values(self, value):
        if isinstance(value, (list, tuple)) and self._integer_key():
            for raw in value:
                if not isinstance(raw, models.Model) and params.parse_id(str(raw)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": raw},
                    )
        return super()._check_values(value)

    def _integer_key(self) -> bool:
        meta = self.queryset.model._meta
        field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        return isinstance(field, models.IntegerField)


class ChoicesCheckedOnce:
    """A ModelForm whose choice fields are not checked a second time by the model's own
    validation: the form's field already found the chosen row in its queryset (the model
    would look each foreign key up again) or the value among its choices (the model would
    ask the database whether it satisfies the constraint listing them)."""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.update(
            name
            for name, field in self.fields.items()
            if isinstance(field, (forms.ModelChoiceField, forms.ChoiceField))
        )
        return exclude


class BoundField(forms.BoundField):
    """Django's BoundField, holding its errors back while the form is only shown again for a
    preview (``form.previewing``, the deadline forms' "Show the deadline"): the other fields'
    errors wait for a real save, and the field is then neither marked invalid nor described
    by an error list that is not on the page."""

    def build_widget_attrs(self, attrs, widget=None):
        """Django's attributes, and ``aria-required`` on a required field whose widget does
        not get the ``required`` attribute (a select without an empty choice, a
        multiple choice), so that what the label's marker shows is also announced."""
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if (
            self.field.required
            and "required" not in attrs
            and not widget.is_hidden
            and not widget.use_fieldset
            and getattr(widget, "input_type", None) != "checkbox"
        ):
            attrs["aria-required"] = "true"
        return attrs

    @property
    def errors(self):
        if getattr(self.form, "previewing", False):
            return self.form.error_class(renderer=self.form.renderer, field_id=self.auto_id)
        return super().errors


class FormRenderer(TemplatesSetting):
    """The project's form renderer (settings.FORM_RENDERER): every field of every form is
    drawn by templates/forms/field.html (``{{ form.name.as_field_group }}``), with its label,
    the required marker, help text and errors that the input's ``aria-describedby`` names,
    and every bound field holds its errors back during a preview (``BoundField`` above)."""

    field_template_name = "forms/field.html"
    bound_field_class = BoundField


class SearchableSelectMultiple(forms.SelectMultiple):
    """A multiple choice as a native ``<select multiple>``, which static/js/multiselect.js
    turns into a searchable list of chosen items (tom-select, vendored in static/vendor/):
    type to filter, Enter or a click to add, Backspace or the item's × to remove, no
    Ctrl-click. Without JavaScript the native select works as it is. ``search_url`` names an
    autocomplete view answering ``{"results": [{"id", "text"}]}`` for choices too many to list
    (the enterprises)."""

    def __init__(self, attrs=None, choices=(), search_url=None):
        attrs = {
            "data-multiselect": "",
            "data-no-results": _("No match"),
            "data-remove-label": _("Remove"),
            "data-placeholder": _("Type to search"),
            **(attrs or {}),
        }
        if search_url is not None:  # lazy: reversed when the page is drawn
            attrs["data-search-url"] = search_url
        super().__init__(attrs, choices)
