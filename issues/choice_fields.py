"""The issue forms' choice fields: the enterprise pickers, drawn small when there are too
many enterprises for a select, and the fields whose rows are read ahead in one query for two
of them (``ReadAhead``)."""

from django import forms

from roundtable.enterprises.models import Enterprise
from roundtable.lib import params
from roundtable.lib.forms import ModelChoiceField, ModelMultipleChoiceField

ENTERPRISE_SELECT_LIMIT = 300


def crowded() -> bool:
    """More enterprises than a select can hold: the pickers then show a few, and their search
    box finds the rest. Asked only when a picker is drawn, never by a form only validated."""
    return Enterprise.objects.active().count() > ENTERPRISE_SELECT_LIMIT


def enterprise_widget_choices(field: forms.ModelChoiceField, selected_ids) -> None:
    """Keep the rendered select small when there are thousands of enterprises: the most
    recently created ones plus whatever is selected; the search box finds the rest. Only the
    choices drawn change: what the field accepts stays its queryset."""
    everything = field.widget.choices

    def choices():
        if not crowded():
            return everything
        ids = list(
            Enterprise.objects.active().order_by("-created_at").values_list("pk", flat=True)[:50]
        )
        ids += [pk for pk in (params.parse_id(str(i)) for i in selected_ids) if pk]
        drawn = forms.models.ModelChoiceIterator(field)
        drawn.queryset = Enterprise.objects.filter(pk__in=ids)
        return drawn

    field.widget.choices = choices


class ReadAheadChoiceField(ModelChoiceField):
    """A row to choose, found among those ``ReadAhead`` read for the form (or, failing
    that, looked up as Django does, with its error for an unknown one)."""

    read_ahead: dict | None = None

    def to_python(self, value):
        if self.read_ahead is not None and value not in self.empty_values:
            found = self.read_ahead.get(params.parse_id(str(value)))
            if found is not None:
                return found
        return super().to_python(value)


class ReadAheadMultipleChoiceField(ModelMultipleChoiceField):
    """Rows to choose, in their queryset's order, like ``ReadAheadChoiceField``."""

    read_ahead: dict | None = None

    def _check_values(self, value):
        if self.read_ahead is not None and isinstance(value, (list, tuple)):
            wanted = {params.parse_id(str(raw)) for raw in value}
            if wanted <= self.read_ahead.keys():
                return [d for pk, d in self.read_ahead.items() if pk in wanted]
        return super()._check_values(value)


class EnterpriseChoiceField(ReadAheadChoiceField):
    """A searchable enterprise picker: a plain select that works without JavaScript, which
    static/js/picker.js turns into a search box backed by /autocomplete/enterprises/."""

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.credit_code})"


DepartmentChoiceField = ReadAheadChoiceField
DepartmentsChoiceField = ReadAheadMultipleChoiceField


class ReadAhead:
    """Each pair of fields in ``read_ahead_fields`` (one row and more of the same queryset:
    the lead and the co-handling departments, the enterprise and the others it concerns)
    read in one query for both fields (each would read its own): the count of a write stays
    the same whether it names one department or eight."""

    read_ahead_fields: tuple[tuple[str, str], ...] = (("lead_department", "co_departments"),)

    def full_clean(self):
        if self.is_bound:
            for names in self.read_ahead_fields:
                self._read_ahead(names)
        super().full_clean()

    def _read_ahead(self, names) -> None:
        typed = []
        for name in names:
            value = self.fields[name].widget.value_from_datadict(
                self.data, self.files, self.add_prefix(name)
            )
            typed += value if isinstance(value, (list, tuple)) else [value]
        ids = [pk for raw in typed if (pk := params.parse_id(str(raw))) is not None]
        # In the rows' own order, as the fields' (shared) queryset gives them.
        queryset = self.fields[names[0]].queryset
        found = {row.pk: row for row in queryset.filter(pk__in=ids)} if ids else {}
        for name in names:
            self.fields[name].read_ahead = found
