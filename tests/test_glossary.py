"""The Chinese catalog follows the glossary (docs/glossary.toml): one term per concept.

A reader who meets 工作台 for two different pages, or 台账 next to 台帐, cannot tell whether
they are the same thing. No database is needed here.
"""

import re
import tomllib
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from lxml import html

from tests import factories
from tests.test_translations import PO, read_po

REPO = Path(__file__).resolve().parent.parent
GLOSSARY = REPO / "docs" / "glossary.toml"

# The few legitimate variations: (English term, msgid) → why the Chinese term is not there.
EXCEPTIONS = {
    # The authenticator app shows the issuer name, which is the brand “Roundtable”, verbatim.
    ("roundtable", "Enter the six-digit code the app now shows for Roundtable."),
    # “Issues I monitor”: the verb, 督办 (the monitor, the person, is 督办人).
    ("monitor", "Issues you monitor"),
    ("monitor", "Issues I monitor"),
    # A requested new deadline, read as 申请延至 <date> in the extension form.
    ("deadline", "requested deadline"),
    # Minutes of time, not the meeting's minutes.
    (
        "minutes",
        "The server is preparing as many exports as it can right now. Try again in a few minutes.",
    ),
    ("minutes", "Too many failed sign-in attempts. Try again in %(minutes)s minute."),
}
# Minutes of time again, matched by the start of the msgid (long sentences).
EXCEPTION_PREFIXES = {
    ("minutes", "The portal could not complete your request. Please try again in a few minutes."),
    ("minutes", "If an account has that e-mail address, a link to set a new password"),
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
# An ASCII colon right after a Chinese character or closing Chinese punctuation.
ASCII_COLON_AFTER_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]:")


def glossary() -> list[dict]:
    return tomllib.loads(GLOSSARY.read_text(encoding="utf-8"))["term"]


def entries() -> list[dict]:
    return [e for e in read_po(PO) if e["msgid"]]


def msgstr_text(entry: dict) -> str:
    msgstr = entry["msgstr"]
    return "".join(msgstr) if isinstance(msgstr, list) else msgstr


def english_pattern(forms: list[str]) -> re.Pattern:
    """A whole-word match of any form, any case, plural allowed; a space or a hyphen between
    the words of a form matches either (“make-up working day”, “co-handling”)."""
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        words = [re.escape(w) for w in re.split(r"[\s-]+", form)]
        alternatives.append(r"[\s-]+".join(words) + r"(?:s|es)?")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def is_exception(term: str, msgid: str) -> bool:
    if (term, msgid) in EXCEPTIONS:
        return True
    return any(term == t and msgid.startswith(prefix) for t, prefix in EXCEPTION_PREFIXES)


def test_glossary_is_complete():
    terms = glossary()
    assert len(terms) >= 25
    for term in terms:
        assert term["en"] and term["zh"] and term.get("note"), term
    english = [form.lower() for term in terms for form in term["en"]]
    assert len(english) == len(set(english)), "an English term is listed twice"


def test_catalog_uses_the_glossary_terms():
    """Longer terms first; what a longer term matched is not matched again by a shorter one."""
    terms = sorted(
        (t for t in glossary() if t.get("check", True)),
        key=lambda t: max(len(form) for form in t["en"]),
        reverse=True,
    )
    problems = []
    for entry in entries():
        msgid = entry["msgid"]
        text = PLACEHOLDER.sub(" ", msgid + "\n" + entry.get("msgid_plural", ""))
        translated = msgstr_text(entry)
        for term in terms:
            pattern = english_pattern(term["en"])
            if not pattern.search(text):
                continue
            text = pattern.sub(" ", text)
            name = term["en"][0]
            if is_exception(name, msgid):
                continue
            accepted = [term["zh"], *term.get("zh_also", [])]
            if not any(zh in translated for zh in accepted):
                problems.append(f"{msgid!r}: {translated!r} lacks {'/'.join(accepted)} ({name})")
            for word in term.get("avoid", []):
                if word in translated:
                    problems.append(f"{msgid!r}: {translated!r} uses {word!r} for {name}")
    assert not problems, "\n".join(problems)


def test_no_msgstr_uses_an_avoided_word():
    avoided = {word: t["en"][0] for t in glossary() for word in t.get("avoid_everywhere", [])}
    problems = [
        f"{entry['msgid']!r}: {msgstr_text(entry)!r} uses {word!r} (see {term!r})"
        for entry in entries()
        for word, term in avoided.items()
        if word in msgstr_text(entry)
    ]
    assert not problems, "\n".join(problems)


def test_chinese_labels_use_the_full_width_colon():
    problems = [
        f"{entry['msgid']!r}: {msgstr_text(entry)!r}"
        for entry in entries()
        if ASCII_COLON_AFTER_CJK.search(msgstr_text(entry))
    ]
    assert not problems, "\n".join(problems)


def test_dashboard_is_not_the_workbench():
    with translation.override("zh-hans"):
        assert translation.gettext("Dashboard") == "数据看板"
        assert "工作台" in translation.gettext("Department workbench")


# --- The pages: one word per language, Beijing time ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "footer"),
    [
        ("en", "Ledger 台账", "Dates and times: Beijing time."),
        ("zh-hans", "台账", "日期和时间：北京时间。"),
    ],
)
def test_ledger_heading_and_footer_in_each_language(staff, language, heading, footer):
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    response = factories.client_as(staff).get(reverse("issues:ledger"))
    doc = html.fromstring(response.content.decode())
    assert " ".join(doc.xpath("//h1")[0].text_content().split()) == heading
    assert footer in " ".join(doc.xpath("//footer")[0].text_content().split())


def test_form_labels_end_with_the_full_width_colon_in_chinese():
    class Form(forms.Form):
        status = forms.CharField(label=translation.gettext_lazy("Status"))

    with translation.override("zh-hans"):
        assert Form()["status"].label_tag().endswith("状态：</label>")
    with translation.override("en"):
        assert Form()["status"].label_tag().endswith("Status:</label>")
