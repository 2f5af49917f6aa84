"""The order of a code list (categories, industries, departments, countries) for its reader.

One rule for every select and filter that lists codes:

- in English, alphabetically by label, ignoring case and accents;
- in Chinese, the order given: the model's own order (its ``Meta.ordering``: departments and
  categories by ``sort_order``, the official order the administrators set) or the
  database's. Python has no pinyin collation
  (``unicodedata`` orders by code point, which reads as no order at all), so the code list
  keeps the order its owners gave it rather than a false alphabetical one;
- in both, "Other" (其他) last, whatever its code or name sorts as.

The empty choice (value ``""`` or ``None``) stays first.
"""

import unicodedata
from collections.abc import Iterable

from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from roundtable.lib.i18n import prefers_chinese

# The help text of a code list's ``sort_order``.
ORDER_HELP = _('Place in the official list, smallest first; "Other" is always last.')

# Labels (case-folded) and label beginnings that mean "anything else".
OTHER_LABELS = {"other", "others", "other (specify)", "其他", "其它", "其他类"}
OTHER_PREFIXES = ("其他", "其它", "other ")


def is_other(label) -> bool:
    text = force_str(label).strip().casefold()
    return text in OTHER_LABELS or text.startswith(OTHER_PREFIXES)


def _english_key(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def for_reader(choices: Iterable, *, chinese: bool | None = None) -> list:
    """``(value, label)`` pairs in the reader's order (see the module's docstring)."""
    if chinese is None:
        chinese = prefers_chinese()
    choices = [(value, force_str(label)) for value, label in choices]
    empty = [c for c in choices if c[0] in ("", None)]
    rest = [c for c in choices if c[0] not in ("", None)]
    if not chinese:
        rest.sort(key=lambda c: _english_key(c[1]))
    rest.sort(key=lambda c: is_other(c[1]))  # stable: only moves "Other" to the end
    return [*empty, *rest]
