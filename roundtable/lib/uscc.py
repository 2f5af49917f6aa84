"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z); the
last is a check character computed from the first 17 with fixed weights, modulo 31.
Input is normalised once, the same way everywhere: surrounding and inner spaces dropped,
full-width characters folded to ASCII (NFKC), letters upper-cased.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def normalize(raw: str) -> str:
    folded = unicodedata.normalize("NFKC", raw or "")
    return "".join(folded.split()).upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def validate_uscc(value: str) -> None:
    """Model/form validator: expects a value already normalised by ``normalize``."""
    code = normalize(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are "
                "never used)."
            ),
            code="uscc_alphabet",
            params={"chars": ", ".join(bad)},
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check character (the last one) does not match: please check the code for "
                "a typing error."
            ),
            code="uscc_check",
        )
