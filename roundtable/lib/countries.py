"""Countries and regions typed as free text ("德国、法国", "Germany, France"), shown in the
reader's language: each name recognised (in either language, or as its two-letter code)
becomes that country's name in the active language (django-countries' names, with the
portal's overrides); what is not recognised is shown as typed. Names are joined the reader's
way ("、" in Chinese)."""

import re
from functools import cache

from django.conf import settings
from django.utils import translation
from django_countries import countries

from roundtable.lib.i18n import prefers_chinese

# Short names people type that are not django-countries' own.
ALIASES = {
    "usa": "US",
    "united states": "US",
    "uk": "GB",
    "britain": "GB",
    "england": "GB",
    "korea": "KR",
    "russia": "RU",
    "vietnam": "VN",
    "iran": "IR",
    "czech republic": "CZ",
    "holland": "NL",
}
SEPARATORS = re.compile(r"\s*(?:[,，、;；/]|\band\b|和)\s*")


@cache
def _index() -> dict[str, str]:
    """Each country's name in every language of the site, case-folded, → its code."""
    index = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, name in countries:
                index.setdefault(str(name).casefold(), code)
    for code, _name in countries:
        index.setdefault(code.casefold(), code)
    for alias, code in ALIASES.items():
        index.setdefault(alias, code)
    return index


def for_reader(text: str) -> str:
    if not (text or "").strip():
        return ""
    parts = [part for part in SEPARATORS.split(text.strip()) if part]
    index = _index()
    names = []
    for part in parts:
        code = index.get(part.casefold())
        names.append(str(countries.name(code)) if code else part)
    return ("、" if prefers_chinese() else ", ").join(names)
