"""The columns a ledger may have, the headers that name them, and the mapping of a file's
columns to them. A header is compared folded (NFKC, case, spaces and marks such as ``*`` or
``（必填）`` dropped), so ``企业名称*`` and `` Enterprise name `` both name the enterprise."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # what the mapping form and the preview call it
    headers: tuple[str, ...]  # the template's header first
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("number", _("No."), ("序号", "编号", "no", "no.", "number", "#")),
    Column(
        "enterprise_name",
        _("Enterprise name"),
        ("企业名称", "企业", "单位名称", "公司名称", "enterprise", "enterprisename", "company"),
    ),
    Column(
        "credit_code",
        _("Unified social credit code"),
        (
            "统一社会信用代码",
            "信用代码",
            "社会信用代码",
            "unifiedsocialcreditcode",
            "creditcode",
            "uscc",
        ),
    ),
    Column(
        "title",
        _("Issue raised"),
        (
            "反映问题",
            "问题",
            "问题描述",
            "诉求",
            "企业诉求",
            "反映事项",
            "issue",
            "title",
            "problem",
        ),
        required=True,
    ),
    Column("category", _("Category"), ("问题类别", "类别", "问题类型", "category", "type")),
    Column(
        "lead_department",
        _("Lead department"),
        ("牵头单位", "责任单位", "牵头部门", "leaddepartment", "lead"),
    ),
    Column(
        "co_departments",
        _("Co-handling departments"),
        ("配合单位", "协办单位", "配合部门", "cohandlingdepartments", "codepartments"),
    ),
    Column("deadline", _("Deadline"), ("办理时限", "时限", "完成时限", "deadline", "duedate")),
    Column(
        "progress",
        _("Handling so far"),
        ("办理情况", "进展情况", "办理进展", "progress", "handling"),
    ),
    Column(
        "conclusion",
        _("Concluded?"),
        ("办结情况", "是否办结", "办结", "concluded", "conclusion", "status"),
    ),
    Column("concluded_on", _("Concluded on"), ("办结日期", "办结时间", "concludedon")),
    Column(
        "satisfaction",
        _("Enterprise satisfaction"),
        ("企业满意度", "满意度", "企业评价", "satisfaction", "enterprisesatisfaction"),
    ),
    Column(
        "raised_on",
        _("Raised on"),
        ("提出日期", "提出时间", "反映日期", "登记日期", "raisedon", "date", "dateraised"),
        required=True,
    ),
    Column("source", _("Source"), ("来源", "问题来源", "渠道", "source", "channel")),
)
BY_KEY = {column.key: column for column in COLUMNS}

_MARKS = re.compile(r"[\s*＊:：?？()（）\[\]【】_\-]|必填|选填|required|optional")


def fold(header: str) -> str:
    folded = unicodedata.normalize("NFKC", str(header or "")).lower()
    return _MARKS.sub("", folded)


_HEADERS = {fold(h): column.key for column in COLUMNS for h in column.headers}


def _known_headers() -> dict[str, str]:
    """The synonyms, and each column's label in both languages (the template's headers)."""
    known = dict(_HEADERS)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for column in COLUMNS:
                known.setdefault(fold(str(column.label)), column.key)
    return known


def guess_mapping(header_row: list[str]) -> dict[str, int]:
    """Each column's index in the file, as its header names it; the first header naming a
    column wins, and a header naming none is left out."""
    mapping: dict[str, int] = {}
    known = _known_headers()
    for index, header in enumerate(header_row):
        key = known.get(fold(header))
        if key is not None and key not in mapping:
            mapping[key] = index
    return mapping


def missing_required(mapping: dict[str, int]) -> list[Column]:
    absent = [c for c in COLUMNS if c.required and c.key not in mapping]
    if "enterprise_name" not in mapping and "credit_code" not in mapping:
        absent.insert(0, BY_KEY["enterprise_name"])
    return absent
