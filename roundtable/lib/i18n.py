from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


def prefers_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class BilingualNameMixin:
    """For models with ``name_zh`` and ``name_en``: ``name`` follows the active language and
    falls back to whichever name exists."""

    @property
    def name(self) -> str:
        first, second = (
            (self.name_zh, self.name_en)
            if prefers_chinese()
            else (
                self.name_en,
                self.name_zh,
            )
        )
        return first or second

    def __str__(self) -> str:
        return self.name


class ChoiceLabelsMixin:
    """``get_FOO_display()`` from a value → label dict built once per field.

    Django's own rebuilds the dict at every call, hashing every label, each a lazy
    translation: the ledger's 50 status badges cost 2.5 ms a page that way. The labels stay
    lazy here, so each call still answers in the active language."""

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_labels_by_value")
        if labels is None:
            labels = field._labels_by_value = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
