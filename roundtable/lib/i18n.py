from functools import partialmethod

from django.db.models.signals import class_prepared
from django.dispatch import receiver
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language, gettext_noop, pgettext

# Django's forms end a label with gettext(":"), which Django's own Chinese catalog leaves as
# the ASCII colon; ours, read first (LOCALE_PATHS), gives the full-width "：". Marked here so
# that makemessages keeps the entry.
# Translators: the suffix Django adds to a form field's label.
LABEL_SUFFIX = gettext_noop(":")


def prefers_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def bilingual(zh: str | None, en: str | None, *, chinese: bool | None = None) -> str:
    """The one rule for a name held in both languages: the reader's language's, else the
    other one, else "". A loop over many rows passes ``chinese`` (``prefers_chinese()``, asked
    once) instead of asking for the active language at every row."""
    if chinese is None:
        chinese = prefers_chinese()
    first, second = (zh, en) if chinese else (en, zh)
    return first or second or ""


class BilingualName:
    """A name in both languages that picks one when rendered, in the language active then (an
    e-mail's text is rendered in its recipient's language, after the name was read)."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str | None, en: str | None):
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return bilingual(self.zh, self.en)


class BilingualNameMixin:
    """For models with ``name_zh`` and ``name_en``: ``name`` follows the active language and
    falls back to whichever name exists."""

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    def __str__(self) -> str:
        return self.name


class ChoiceLabelsMixin:
    """Models with this mixin get a ``get_FOO_display()`` for each of their fields with choices
    that reads a value → label dict built once per field.

    Django's own rebuilds the dict at every call, hashing every label, each a lazy
    translation: the ledger's 50 status badges cost 2.5 ms a page that way. The labels stay
    lazy here, so each call still answers in the active language. The methods are installed
    when the model class is ready (``class_prepared``), in place of the ones Django generated;
    a ``get_FOO_display()`` the model defines itself is kept."""


def choice_display(field):
    """A ``get_FOO_display()`` for ``field``: same answers as Django's, from a cached dict."""
    labels = None

    def display(self):
        nonlocal labels
        if labels is None:
            labels = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)

    display.__name__ = display.__qualname__ = f"get_{field.name}_display"
    return display


@receiver(class_prepared)
def _install_choice_displays(sender, **kwargs) -> None:
    if not issubclass(sender, ChoiceLabelsMixin):
        return
    for field in sender._meta.local_fields:
        name = f"get_{field.name}_display"
        # Django generates a partialmethod; anything else was written by hand on the model.
        if field.choices is not None and isinstance(sender.__dict__.get(name), partialmethod):
            setattr(sender, name, choice_display(field))


def label_value(label, value) -> str:
    """“label: value” with the reader's colon: the full-width “：” in Chinese. The templates'
    own colons use the same catalog entry (``{% translate ": " context "label: value" %}``)."""
    colon = pgettext("label: value", ": ")
    return f"{label}{colon}{value}"
