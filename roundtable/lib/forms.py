"""Form fields of rows: ids parsed with roundtable.lib.params before the database sees them,
and code lists in their reader's order; model forms that check a choice once."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator

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
