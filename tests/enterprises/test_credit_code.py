import pytest
from django.core.exceptions import ValidationError

from roundtable.lib.uscc import check_character, is_valid, normalize, validate_uscc

VALID = "91350100M000100Y43"


def test_a_published_valid_code_passes():
    assert is_valid(VALID)
    validate_uscc(VALID)


def test_the_check_character_is_computed_per_gb_32100():
    assert check_character(VALID[:17]) == "3"
    assert check_character("91110000600037341") == "L"


@pytest.mark.parametrize("last", [c for c in "0124567890ABCDEFGHJKLMNPQRTUWXY" if c != "3"])
def test_any_other_check_character_is_refused(last):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(VALID[:17] + last)
    assert exc.value.code == "uscc_check"


def test_lowercase_and_full_width_input_normalise_to_one_form():
    assert normalize(" 91350100m000100y43 ") == VALID
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID)
    assert normalize(full_width) == VALID
    assert normalize("9135 0100 M000 100Y43") == VALID


def test_seventeen_characters_are_refused_with_the_count():
    with pytest.raises(ValidationError) as exc:
        validate_uscc(VALID[:17])
    assert exc.value.code == "uscc_length"
    assert "17" in str(exc.value.messages[0])


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_named(letter):
    code = VALID[:8] + letter + VALID[9:]
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == "uscc_alphabet"
    assert letter in exc.value.messages[0]
