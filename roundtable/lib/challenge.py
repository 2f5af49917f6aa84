"""A small question that a person answers on a public form, with no outside service.

The question (a sum of two small numbers) travels with the form as a signed token
(``django.core.signing``, salted for this use) that holds the numbers, a random nonce and the
time it was made: the server keeps nothing until an answer comes. An answer is accepted once
per token (the nonce is remembered in the cache for the token's life) and only within
``MAX_AGE`` seconds. It stops form-filling scripts that do not read the page; the per-address
and per-e-mail throttles stop the rest. No JavaScript is involved.
"""

import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

SALT = "roundtable.lib.challenge"
MAX_AGE = 2 * 3600


@dataclass(frozen=True)
class Challenge:
    token: str
    question: str


def new() -> Challenge:
    a = secrets.randbelow(9) + 2
    b = secrets.randbelow(9) + 2
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=SALT, compress=True)
    return Challenge(token=token, question=question(a, b))


def question(a: int, b: int) -> str:
    return _("How much is %(a)d plus %(b)d? (digits)") % {"a": a, "b": b}


def _load(token: str) -> dict | None:
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not all(k in data for k in ("a", "b", "n")):
        return None
    return data


def again(token: str) -> Challenge | None:
    """The same question again (a form shown back with an error), if the token is still
    good and unused."""
    data = _load(token)
    if data is None:
        return None
    return Challenge(token=token, question=question(data["a"], data["b"]))


def solved(token: str, answer) -> bool:
    """Whether ``answer`` is right for the question in ``token``; the token is used up by a
    right answer (a second use is refused)."""
    data = _load(token)
    if data is None:
        return False
    text = str(answer or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 3:
        return False
    if int(text) != data["a"] + data["b"]:
        return False
    try:
        return bool(cache.add(f"challenge:{data['n']}", 1, timeout=MAX_AGE))
    except Exception:  # a cache that fails: the signature and the throttles still hold
        return True
