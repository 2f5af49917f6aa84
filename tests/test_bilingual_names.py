"""One rule for a name held in Chinese and English: the reader's language's, else the other."""

import pytest
from django.utils import translation

from roundtable.lib.i18n import BilingualName, bilingual


@pytest.mark.parametrize(
    ("language", "zh", "en", "shown"),
    [
        ("zh-hans", "渝中区商务委", "Commerce Commission", "渝中区商务委"),
        ("en", "渝中区商务委", "Commerce Commission", "Commerce Commission"),
        ("en", "渝中区商务委", "", "渝中区商务委"),
        ("zh-hans", "", "Commerce Commission", "Commerce Commission"),
        ("en", None, None, ""),
    ],
)
def test_the_reader_sees_their_language_and_else_the_other(language, zh, en, shown):
    with translation.override(language):
        assert bilingual(zh, en) == shown
        assert str(BilingualName(zh, en)) == shown


def test_a_loop_may_decide_the_language_once():
    with translation.override("en"):
        assert bilingual("中文", "English", chinese=True) == "中文"


def test_a_name_read_earlier_is_rendered_in_the_language_active_when_shown():
    with translation.override("en"):
        name = BilingualName("重庆", "Chongqing")
    with translation.override("zh-hans"):
        assert f"{name}" == "重庆"
