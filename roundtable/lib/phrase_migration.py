"""Turning the words stored before phrases into phrases (lib/phrases.py): what the data
migrations of the issues and notifications apps share. Rows whose words match no phrase keep
their words, which are then shown as they are (``phrases.render``'s fallback)."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext

from roundtable.lib import phrases

NAME_PARAMS = {"department", "dept"}
LABEL_PARAMS = {"decision", "satisfaction"}
SEPARATORS = re.compile("、|, ")


def name_index(rows) -> dict[str, dict]:
    """``(name_zh, name_en)`` rows → each name, in either language, to both."""
    index = {}
    for zh, en in rows:
        both = {"t": "name", "zh": zh or "", "en": en or ""}
        for text in (zh, en):
            if text:
                index.setdefault(text, both)
    return index


def label_index(choices) -> dict[str, dict]:
    """A field's ``(value, English label)`` choices → each label, in either language, to
    both."""
    index = {}
    for _value, label in choices:
        both = {}
        # The words were stored in English or Chinese (the languages before the enterprise
        # side's Japanese and Korean).
        for code in ("en", "zh-hans"):
            with translation.override(code):
                both["zh" if code.startswith("zh") else "en"] = gettext(str(label))
        for text in both.values():
            index.setdefault(text, {"t": "name", **both})
    return index


def with_names(data: dict | None, names: dict, labels: dict | None = None) -> dict | None:
    """The parameters of ``data`` that name departments or labels, made names in both
    languages where they are known (several, "、"- or comma-separated, for a list)."""
    if data is None:
        return None
    params = data["params"]
    for key in NAME_PARAMS & params.keys():
        text = params[key]
        parts = [part.strip() for part in SEPARATORS.split(text)]
        if text in names:
            params[key] = names[text]
        elif len(parts) > 1 and all(part in names for part in parts):
            params[key] = {"t": "names", "items": [names[part] for part in parts]}
    for key in LABEL_PARAMS & params.keys():
        if labels and params[key] in labels:
            params[key] = labels[params[key]]
    return data


def keys(prefix: str) -> list[str]:
    return [key for key in phrases.PHRASES if key.startswith(prefix) and key != "notice.title"]


def notice_title(text: str, names: dict, labels: dict) -> dict | None:
    """A notice's title: a reminder's (``title.*``), or "<reference> <what happened>"."""
    data = phrases.parse(text, keys("title."))
    if data is not None:
        return data
    outer = phrases.parse(text, ["notice.title"])
    if outer is None:
        return None
    what = with_names(phrases.parse(outer["params"]["what"], keys("notice.")), names, labels)
    if what is None:
        return None
    outer["params"]["what"] = {"t": "phrase", **what}
    return outer


def reason(text: str, names: dict) -> dict | None:
    return with_names(phrases.parse(text, keys("why.")), names)
