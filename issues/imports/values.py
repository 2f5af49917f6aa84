"""Reading one cell's text as what it means: a date, a source, a satisfaction, whether the
issue was concluded. Each reader returns the value or raises ``CellError`` with the message
for the cell."""

import functools
import re
import unicodedata
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from issues.imports.reading import Formula
from issues.models import Issue


class CellError(Exception):
    pass


def text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        raise CellError(_("A formula: its result is not read. Type the value itself."))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else str(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def folded(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def day(cell) -> date | None:
    """A date written 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日 or 20260305, or a date
    cell; None for an empty cell."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    value = unicodedata.normalize("NFKC", text(cell))
    if not value:
        return None
    match = _DATE.match(value) or _COMPACT.match(value)
    if match is None:
        raise CellError(_("Not a date: write it as 2026-03-05."))
    year, month, number = (int(part) for part in match.groups())
    try:
        return date(year, month, number)
    except ValueError as error:
        raise CellError(_("%(value)s is not a day of the calendar.") % {"value": value}) from error


_CHOICES = {"source": Issue.Source, "satisfaction": Issue.Satisfaction}


@functools.cache
def _labels(name: str) -> dict[str, str]:
    """Each choice's value and its label in both languages, folded, to the value (read once:
    a 10,000-row file asks 20,000 times)."""
    choices = _CHOICES[name].choices
    found = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                found[folded(str(label))] = value
    found.update({folded(value): value for value, _label in choices})
    return found


_SOURCE_WORDS = {
    "圆桌会议": "meeting",
    "会议": "meeting",
    "座谈会": "meeting",
    "走访": "visit",
    "上门走访": "visit",
    "服务走访": "visit",
    "热线": "hotline",
    "12345": "hotline",
    "12345热线": "hotline",
    "电话": "hotline",
    "微信": "wechat",
    "微信群": "wechat",
    "邮件": "email",
    "电子邮件": "email",
    "网上": "online",
    "线上": "online",
    "网站": "online",
    "其他": "other",
}


def source(cell) -> str:
    value = folded(text(cell))
    if not value:
        return Issue.Source.OTHER
    found = _labels("source") | _SOURCE_WORDS
    if value in found:
        return found[value]
    raise CellError(
        _("Unknown source; use one of: %(choices)s.")
        % {"choices": ", ".join(str(label) for _value, label in Issue.Source.choices)}
    )


_SATISFACTION_WORDS = {"非常满意": "satisfied", "比较满意": "basically", "一般": "basically"}


def satisfaction(cell) -> str:
    value = folded(text(cell))
    if not value:
        return ""
    found = _labels("satisfaction") | _SATISFACTION_WORDS
    if value in found:
        return found[value]
    raise CellError(_("Not a satisfaction: write 满意, 基本满意 or 不满意."))


_CONCLUDED = {"已办结", "办结", "已完成", "完成", "是", "已销号", "销号", "yes", "y", "done"}
_CONCLUDED |= {"concluded", "closed", "true", "1"}
_OPEN = {"未办结", "办理中", "正在办理", "在办", "否", "未完成", "no", "n", "open", "inprogress"}
_OPEN |= {"false", "0"}


def concluded(cell) -> bool:
    value = folded(text(cell))
    if not value or value in _OPEN:
        return False
    if value in _CONCLUDED:
        return True
    raise CellError(_("Not understood: write 已办结 (concluded) or 办理中 (in progress)."))
