"""Values that a view reads from the query string or the form body without a form.

Everything a request carries is parsed either by a form or by these functions, never by
``str.isdigit()`` and ``int()``: ``"²".isdigit()`` is true and ``int("²")`` raises, ``int("٣")``
is 3, and an integer past 2**63 - 1 overflows SQLite and PostgreSQL. Here a number is ASCII
decimal digits only, within a range the caller gives (an id: 1 to 2**63 - 1), and text with a
NUL byte is refused (PostgreSQL cannot store it).

The ``get_…`` functions read one key of a QueryDict. An absent or blank value gives the default;
a value that is there but malformed raises ``BadRequest``, which Django answers with 400 (the
page 400.html; the message goes to the log only), so a view needs no try/except. The
``parse_…`` functions take a string and return None when it does not parse, for callers that
answer a bad value another way (a form error, an empty list).
"""

import re

from django.core.exceptions import BadRequest

# The largest value of a 64-bit signed integer: BigAutoField ids, and the most either database
# accepts in an integer comparison.
ID_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")
# Enough for any integer up to ID_MAX with leading zeros; longer strings are refused before
# int() (which itself refuses more than 4,300 digits with a ValueError).
_MAX_DIGITS = 30


def parse_int(value, *, min_value: int, max_value: int) -> int | None:
    """The integer that ``value`` writes in ASCII decimal digits (no sign, no spaces), when it
    lies within min_value..max_value; otherwise None."""
    if not isinstance(value, str) or len(value) > _MAX_DIGITS or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if min_value <= number <= max_value else None


def parse_id(value) -> int | None:
    """A database id (1 to 2**63 - 1) written in ASCII digits, or None."""
    return parse_int(value, min_value=1, max_value=ID_MAX)


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def get_int(data, key: str, *, min_value: int, max_value: int, default=None) -> int | None:
    """``data[key]`` as an integer in min_value..max_value; ``default`` when absent or blank.
    Raises BadRequest (400) for anything else."""
    raw = data.get(key, "")
    if raw == "":
        return default
    number = parse_int(raw, min_value=min_value, max_value=max_value)
    if number is None:
        raise BadRequest(f"{key} must be a whole number from {min_value} to {max_value}.")
    return number


def get_id(data, key: str) -> int | None:
    """``data[key]`` as a database id; None when absent or blank. Raises BadRequest (400)
    for anything else."""
    return get_int(data, key, min_value=1, max_value=ID_MAX)


def get_ids(data, key: str) -> list[int]:
    """Every value of ``key`` (a repeated key, or a multiple select) as database ids, blanks
    left out. Raises BadRequest (400) if any is not an id."""
    ids = []
    for raw in data.getlist(key):
        if raw == "":
            continue
        number = parse_id(raw)
        if number is None:
            raise BadRequest(f"{key} must list ids.")
        ids.append(number)
    return ids


def get_text(data, key: str, default: str = "") -> str:
    """``data[key]`` as text; ``default`` when absent. Raises BadRequest (400) for a NUL
    byte, which no user types and PostgreSQL cannot store or compare."""
    value = data.get(key, default)
    if has_nul(value):
        raise BadRequest(f"{key} contains a null character.")
    return value
