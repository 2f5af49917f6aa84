"""A number before a noun is translated with its plural: "1 working day", "2 working days".

The catalog holds every string of the pages, e-mails and messages (tests/test_translations.py
keeps it in step with the code), so a message that puts a number before a countable noun
without ngettext / {% blocktranslate count %} shows up here, wherever it is written.
"""

import re

from django.utils import translation

from tests.test_translations import PO, _show, read_po

NOUNS = (
    "working days",
    "days",
    "hours",
    "minutes",
    "weeks",
    "months",
    "years",
    "times",
    "issues",
    "reminders",
    "notifications",
    "enterprises",
    "meetings",
    "departments",
    "visits",
    "entries",
    "items",
    "words",
    "characters",
    "files",
    "more are",
)
# A placeholder (%(n)s, %(n)d, {n}), perhaps an adjective, then a plural noun; or "issue(s)".
NUMBER_BEFORE_NOUN = re.compile(
    r"(%\(\w+\)[sd]|\{\w+\})\s+(?:\w+\s+)?(?:" + "|".join(NOUNS) + r")\b|\w\(s\)"
)


def test_every_number_before_a_noun_has_a_plural_form():
    offenders = [
        _show(entry)
        for entry in read_po(PO)
        if "msgid_plural" not in entry and NUMBER_BEFORE_NOUN.search(entry["msgid"])
    ]
    assert offenders == []


def test_the_singular_of_a_count_is_singular_in_english_and_translated_in_chinese():
    from roundtable.lib.phrases import Phrase

    def title(late):
        return str(Phrase("title.overdue", late=late, reference="R", title="T"))

    with translation.override("en"):
        assert title(1) == "Overdue by 1 working day: R T"
        assert title(2) == "Overdue by 2 working days: R T"
    with translation.override("zh-hans"):
        assert title(1) == "逾期1个工作日：R T"
