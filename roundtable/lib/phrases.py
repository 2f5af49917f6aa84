"""What the system says about what happened, stored as facts and worded when read.

A notice's title and reason, a reminder's reason and a system entry of an issue's timeline are
kept as a *phrase*: a kind (a key of ``PHRASES``, the one registry of them) and its
parameters as JSON, ``{"key": "notice.assigned", "params": {...}}``. They are worded in the
language active when they are read: the request's for a page, the recipient's for an e-mail
(``Phrase`` and ``render``). A name held in both languages (a department, a category, a
choice's label) is kept in both and shown in the reader's (``lib/i18n.bilingual``).

Parameters are plain text and numbers (data: a reference, an issue's title, a person's name),
or tagged values, each with its renderer in ``RENDERERS``:

- ``{"t": "name", "zh": …, "en": …}``: a name or label in both languages (``name``, ``label``);
- ``{"t": "names", "items": [{"zh", "en"}, …]}``: several, joined the reader's way (``names``);
- ``{"t": "phrase", "key": …, "params": …}``: a phrase inside another (a notice's title).

This module knows no app: the apps pass models with ``name_zh``/``name_en`` and lazy labels,
and get them kept in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext

from roundtable.lib.i18n import bilingual, prefers_chinese


@dataclass(frozen=True)
class Template:
    """A translatable text: ``{name}`` placeholders (``percent``: ``%(name)s``, the style of
    older entries kept so that their translations stay), plural by ``count`` when given."""

    text: object
    count: str | None = None
    percent: bool = False


def _t(text, count=None) -> Template:
    return Template(text, count)


def _p(text, count=None) -> Template:
    return Template(text, count, percent=True)


PHRASES: dict[str, Template] = {
    # An in-app notice's title: the reference and what happened to it.
    "notice.title": Template("{reference} {what}"),
    # What happened (the titles of the notices written by issues/services/).
    "notice.assigned": _p(_("assigned to your department")),
    "notice.returned": _p(_("returned by %(dept)s")),
    "notice.returned_to_staff": _p(_("returned, to be assigned again")),
    "notice.reopened": _p(_("reopened")),
    "notice.instruction": _p(_("instruction from %(chair)s")),
    "notice.extension_requested": _p(_("asks for a deadline extension")),
    "notice.extension_decided": _p(_("extension %(decision)s")),
    "notice.conclusion": _p(_("conclusion reported")),
    "notice.deadline_recounted": _p(_("deadline now %(day)s")),
    "notice.enterprise_info": _p(_("information added by the enterprise")),
    "notice.enterprise_confirmed": _p(_("conclusion confirmed by the enterprise")),
    # Why the recipient got a notice.
    "why.assigned": _t(_("Your department was assigned this issue.")),
    "why.returned": _t(_("You are commerce staff: returned issues need reassigning.")),
    "why.lead": _t(_("Your department leads this issue.")),
    "why.enterprise": _t(
        _("The enterprise acted on an issue your department leads, or you are commerce staff.")
    ),
    "why.instruction": _t(_("The chair's office instructed on an issue you handle or supervise.")),
    "why.extension_requested": _t(_("You are commerce staff: extension requests need a decision.")),
    "why.extension_decided": _t(_("You asked for this extension.")),
    "why.conclusion": _t(
        _(
            "Concluded issues are verified by commerce staff; you supervise it "
            "or you are commerce staff."
        )
    ),
    "why.deadline_recounted": _t(
        _(
            "Your department leads this issue; its deadline in working days was "
            "counted again with the newly published official calendar."
        )
    ),
    # Why the recipient got a reminder (the rules in issues/ and meetings/reminder_rules.py).
    "why.acceptance.liaison": _t(
        ngettext_lazy(
            "You are the liaison of {department}, which has not accepted this "
            "assignment within {days} working day.",
            "You are the liaison of {department}, which has not accepted this "
            "assignment within {days} working days.",
            "days",
        ),
        "days",
    ),
    "why.acceptance.head": _t(
        ngettext_lazy(
            "You head {department}, which has not accepted this assignment within "
            "{days} working day.",
            "You head {department}, which has not accepted this assignment within "
            "{days} working days.",
            "days",
        ),
        "days",
    ),
    "why.deadline.responsible": _t(_("You are the person responsible for this issue.")),
    "why.deadline.liaison": _t(_("You are the liaison of {department}, the lead department.")),
    "why.overdue.responsible": _t(_("You are the person responsible for this overdue issue.")),
    "why.overdue.head": _t(_("You head {department}, the lead department of this overdue issue.")),
    "why.overdue.monitor": _t(_("You are the monitor of this overdue issue.")),
    "why.escalated.head": _t(
        ngettext_lazy(
            "You head {department}, the lead department; the issue is overdue by more "
            "than {days} working day and is on the chairperson's attention list.",
            "You head {department}, the lead department; the issue is overdue by more "
            "than {days} working days and is on the chairperson's attention list.",
            "days",
        ),
        "days",
    ),
    "why.no_update.monitor": _t(
        ngettext_lazy(
            "You are the monitor of this issue, which has had no update for {days} working day.",
            "You are the monitor of this issue, which has had no update for {days} working days.",
            "days",
        ),
        "days",
    ),
    "why.digest.monitor_head": _t(
        _("You monitor open issues and head {department}: this is your weekly supervision digest.")
    ),
    "why.digest.head": _t(_("You head {department}: this is your weekly supervision digest.")),
    "why.digest.monitor": _t(
        _("You are the monitor of open issues: this is your weekly supervision digest.")
    ),
    "why.visit.official": _t(
        ngettext_lazy(
            "You are this enterprise's designated official; it has had no service "
            "visit for {days} day.",
            "You are this enterprise's designated official; it has had no service "
            "visit for {days} days.",
            "days",
        ),
        "days",
    ),
    "why.intake.staff": _t(_("You are commerce staff: the intake closes soon.")),
    "why.meeting.staff": _t(_("You are commerce staff: the meeting is on the next working day.")),
    "why.minutes.staff": _t(
        ngettext_lazy(
            "You are commerce staff: the minutes are still unpublished "
            "{days} working day after the meeting.",
            "You are commerce staff: the minutes are still unpublished "
            "{days} working days after the meeting.",
            "days",
        ),
        "days",
    ),
    "why.quarter.staff": _t(
        _(
            "You are commerce staff: the quarter ends on {end} and no roundtable "
            "meeting is planned or held in it."
        )
    ),
    # The one-line title of each kind of reminder: the in-app notice's title and, by default
    # (``emails/<kind>.subject.txt``), the subject of an e-mail that carries only that one.
    "title.acceptance_overdue": _t(_("Not yet accepted: {reference} {title}")),
    "title.deadline_soon": _t(_("Due on {deadline}: {reference} {title}")),
    "title.overdue": _t(
        ngettext_lazy(
            "Overdue by {late} working day: {reference} {title}",
            "Overdue by {late} working days: {reference} {title}",
            "late",
        ),
        "late",
    ),
    "title.escalated": _t(_("Escalated to the chairperson: {reference} {title}")),
    "title.no_update": _t(
        ngettext_lazy(
            "No update for {quiet} working day: {reference} {title}",
            "No update for {quiet} working days: {reference} {title}",
            "quiet",
        ),
        "quiet",
    ),
    "title.weekly_digest": _t(_("Weekly supervision digest, week of {due_on}")),
    "title.visit_due": _t(_("Service visit due: {enterprise}")),
    "title.intake_closing": _t(_("Intake closes on {closes}: {topic}")),
    "title.meeting_tomorrow": _t(_("Meeting on {when}: {topic}")),
    "title.minutes_unpublished": _t(_("Minutes not yet published: {topic}")),
    "title.quarter_no_roundtable": _t(_("No roundtable meeting yet in {quarter}")),
    # The system's own words in an issue's timeline.
    "timeline.assigned": Template("{departments}"),
    "timeline.closed": Template("{satisfaction}"),
    "timeline.closed_note": Template("{satisfaction} — {note}"),
    # Translators: an extension decided, its decision and the deadline asked for.
    "timeline.extension_decided": _t(_("{decision}: {day}")),
    # Translators: an extension decided, its decision, the deadline asked for and a note.
    "timeline.extension_decided_note": _t(_("{decision}: {day} — {note}")),
    "timeline.escalated": _t(
        ngettext_lazy(
            "Overdue by more than {days} working day (deadline "
            "{deadline}): on the chairperson's attention list; the "
            "lead department's head was notified.",
            "Overdue by more than {days} working days (deadline "
            "{deadline}): on the chairperson's attention list; the "
            "lead department's head was notified.",
            "days",
        ),
        "days",
    ),
    "timeline.recounted": _p(
        ngettext_lazy(
            "%(old)s → %(new)s: %(n)s working day from %(start)s, counted again with the "
            "official calendar for %(years)s now that it is published.",
            "%(old)s → %(new)s: %(n)s working days from %(start)s, counted again with the "
            "official calendar for %(years)s now that it is published.",
            "n",
        ),
        "n",
    ),
    "timeline.recount_unchanged": _p(
        ngettext_lazy(
            "%(new)s stays: %(n)s working day from %(start)s gives the same day with the "
            "official calendar for %(years)s, now published. The deadline is no longer "
            "provisional.",
            "%(new)s stays: %(n)s working days from %(start)s give the same day with the "
            "official calendar for %(years)s, now published. The deadline is no longer "
            "provisional.",
            "n",
        ),
        "n",
    ),
}


# --- Parameters: kept in both languages, shown in the reader's -------------------------------


def _languages() -> tuple[str, str]:
    codes = [code for code, _name in settings.LANGUAGES]
    zh = next((c for c in codes if c.startswith("zh")), "zh-hans")
    en = next((c for c in codes if c.startswith("en")), "en")
    return zh, en


def name(value) -> dict:
    """A name in both languages: a model with ``name_zh``/``name_en``, a ``BilingualName``, a
    lazy label (translated now into each language) or plain text (the same in both)."""
    if hasattr(value, "name_zh"):
        return {"t": "name", "zh": value.name_zh or "", "en": value.name_en or ""}
    if hasattr(value, "zh") and hasattr(value, "en"):
        return {"t": "name", "zh": value.zh or "", "en": value.en or ""}
    return label(value)


def label(value) -> dict:
    """A lazy label, translated now into each language."""
    if not isinstance(value, Promise):
        return {"t": "name", "zh": str(value or ""), "en": str(value or "")}
    zh, en = _languages()
    with translation.override(zh):
        in_zh = str(value)
    with translation.override(en):
        in_en = str(value)
    return {"t": "name", "zh": in_zh, "en": in_en}


def names(values) -> dict:
    return {"t": "names", "items": [name(v) for v in values]}


def encode(value):
    """A parameter as JSON: text and numbers as they are, a date as ISO text, anything with a
    name in both languages (or a lazy label) as both, a phrase as its data."""
    if isinstance(value, Phrase):
        return {"t": "phrase", **value.data}
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict) and "t" in value:
        return value
    if isinstance(value, list | tuple):
        return names(value)
    if isinstance(value, Promise) or hasattr(value, "name_zh") or hasattr(value, "zh"):
        return name(value)
    return str(value)


def _name(value: Mapping, chinese: bool) -> str:
    return bilingual(value.get("zh"), value.get("en"), chinese=chinese)


def _names(value: Mapping, chinese: bool) -> str:
    joiner = pgettext("list of names", ", ") if not chinese else "、"
    return joiner.join(_name(item, chinese) for item in value.get("items", []))


def _phrase(value: Mapping, chinese: bool) -> str:
    return render(value)


RENDERERS = {"name": _name, "names": _names, "phrase": _phrase}


def _value(value, chinese: bool):
    if isinstance(value, Mapping):
        renderer = RENDERERS.get(value.get("t"))
        return renderer(value, chinese) if renderer else ""
    return "" if value is None else value


class UnknownPhrase(LookupError):
    pass


def render(data: Mapping | None, fallback: str = "") -> str:
    """A phrase's words in the active language; ``fallback`` (the text stored before phrases
    were) when there is no phrase or it cannot be worded (an unknown key, a missing
    parameter)."""
    if not data:
        return fallback
    try:
        return _render(data)
    except (UnknownPhrase, KeyError, ValueError, TypeError, IndexError):
        return fallback


def _render(data: Mapping) -> str:
    template = PHRASES.get(data.get("key"))
    if template is None:
        raise UnknownPhrase(data.get("key"))
    chinese = prefers_chinese()
    values = {key: _value(value, chinese) for key, value in (data.get("params") or {}).items()}
    if template.count:
        values[template.count] = int(values[template.count])
    if template.percent:
        # A plural's "%" picks its form by the count (ngettext_lazy with a named number).
        return template.text % values if template.count else str(template.text) % values
    # Lazy plurals pick their form in ``format`` too, by the count's name.
    return template.text.format(**values)


class Phrase:
    """One phrase: ``str()`` words it in the active language; ``data`` is what is stored."""

    __slots__ = ("data",)

    def __init__(self, key: str, **params):
        if key not in PHRASES:
            raise UnknownPhrase(key)
        self.data = {"key": key, "params": {k: encode(v) for k, v in params.items()}}

    def __str__(self) -> str:
        return _render(self.data)

    def __eq__(self, other) -> bool:
        return isinstance(other, Phrase) and other.data == self.data

    def __hash__(self) -> int:
        return hash(repr(self.data))

    def __repr__(self) -> str:
        return f"Phrase({self.data!r})"


def data_of(value) -> dict | None:
    """What to store for ``value``: a phrase's data, else nothing (plain text is stored as
    the text itself)."""
    return value.data if isinstance(value, Phrase) else None


# --- Reading old text back (the data migrations that turned stored words into phrases) -------

_PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)[sd]")


def _forms(template: Template) -> list[str]:
    """Every wording of ``template`` in the active language: both plural forms."""
    if not template.count:
        return [str(template.text)]
    kw = getattr(template.text, "_kw", {})
    if "singular" not in kw:
        return []
    return list(dict.fromkeys(ngettext(kw["singular"], kw["plural"], n) for n in (1, 2, 5)))


def _pattern(text: str) -> re.Pattern:
    parts, end = [], 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[end : match.start()]))
        key = match.group(1) or match.group(2)
        group = r"\S+" if key == "reference" else ".+?"
        parts.append(f"(?P<{key}>{group})" if f"(?P<{key}>" not in "".join(parts) else ".+?")
        end = match.end()
    parts.append(re.escape(text[end:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def parse(text: str, keys) -> dict | None:
    """The phrase among ``keys`` (tried in their order) whose wording, in any language of the
    site, ``text`` is; its parameters are the words found in place of the placeholders (the
    caller makes names of them). None when no phrase matches."""
    text = (text or "").strip()
    if not text:
        return None
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for key in keys:
                template = PHRASES[key]
                for form in _forms(template):
                    found = _pattern(form).match(text)
                    if found is None:
                        continue
                    params = found.groupdict()
                    if template.count and template.count in params:
                        if not params[template.count].isdigit():
                            continue
                        params[template.count] = int(params[template.count])
                    return {"key": key, "params": params}
    return None
