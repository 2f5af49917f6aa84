"""Text as every output format can carry it."""

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD and each surrogate pair joined
    into the character it stands for. A Python string can hold lone surrogates (from
    ``surrogateescape`` decoding, or JSON's ``\\ud800``); UTF-8 and UTF-16 cannot, so encoding
    such a string fails halfway through a download."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
