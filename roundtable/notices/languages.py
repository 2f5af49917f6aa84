"""Which version of a notice each reader gets.

**The fallback order.** A reader gets the version in their own language (the portal
account's language when the contact has an account, else the contact's recorded language).
When that version is missing they get the English one, and when that is missing too the
Chinese one, which every notice has (it is required). So a Japanese or Korean reader of a
notice written only in Chinese and English reads English, and a reader of a notice written
only in Chinese reads Chinese. English comes before Chinese because the foreign staff these
notices are for read English far more often than Chinese (the Dalian measures' notices to
foreign staff "in English, Japanese and Korean"); a Chinese reader always has Chinese.
"""

from roundtable.notices.labels import LANGUAGE_NAMES
from roundtable.notices.models import CHINESE, ENGLISH, JAPANESE, KOREAN, VERSION_LANGUAGES

# Each language named in its own words (as a language switcher does), and in the reader's.
AUTONYMS = {CHINESE: "中文", ENGLISH: "English", JAPANESE: "日本語", KOREAN: "한국어"}
NAMES = LANGUAGE_NAMES
FALLBACK = (ENGLISH, CHINESE)


def reader_language(code: str | None) -> str:
    """A stored language code as one of the notice languages ("zh-hans", "en", "ja", "ko");
    an unknown or empty one reads as Chinese, the notice's one sure version."""
    code = (code or "").lower()
    if code.startswith("zh"):
        return CHINESE
    for language in VERSION_LANGUAGES:
        if code == language or code.startswith(language + "-"):
            return language
    return CHINESE


def version_for(reader: str, available: list[str]) -> str:
    """The version a reader of ``reader`` gets among the ``available`` ones (see the module's
    docstring for the order)."""
    for language in (reader, *FALLBACK):
        if language in available:
            return language
    return CHINESE
