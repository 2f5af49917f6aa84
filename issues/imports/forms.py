"""The upload form and the mapping form (which column of the file holds what)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues.imports.columns import COLUMNS, missing_required


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger file (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "The first sheet is read; its first row names the columns, in Chinese or English."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into several files.")
                % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column the import knows: the file's column that holds it, or none."""

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        unnamed = _("(no header)")
        choices = [("", _("— not in the file —"))] + [
            (str(index), f"{index + 1}. {name or unnamed}") for index, name in enumerate(header)
        ]
        for column in COLUMNS:
            self.fields[f"col_{column.key}"] = forms.ChoiceField(
                label=column.label, choices=choices, required=False
            )

    @staticmethod
    def initial_for(mapping: dict[str, int]) -> dict[str, str]:
        return {f"col_{key}": str(index) for key, index in mapping.items()}

    def clean(self):
        data = super().clean()
        mapping = self.mapping()
        used: dict[int, str] = {}
        for key, index in mapping.items():
            if index in used:
                self.add_error(f"col_{key}", _("This column is already chosen for another field."))
            used[index] = key
        for column in missing_required(mapping):
            self.add_error(f"col_{column.key}", _("Choose the column that holds this."))
        return data

    def mapping(self) -> dict[str, int]:
        data = getattr(self, "cleaned_data", {})
        return {
            column.key: int(data[f"col_{column.key}"])
            for column in COLUMNS
            if data.get(f"col_{column.key}")
        }
