"""The template workbook staff download to fill in: the ledger sheet with the headers the
import recognises and one example row, and a sheet that says what each column takes (the
departments, the categories, the sources and ratings as the import reads them)."""

from datetime import date

from django.utils.translation import gettext as _

from departments.models import Department
from issues.imports.columns import COLUMNS
from issues.models import Category, Issue
from issues.xlsx import Bold, Sheet, write_workbook
from roundtable.lib.i18n import prefers_chinese


def _example() -> list:
    lead = Department.objects.filter(is_active=True).order_by("sort_order", "code").first()
    category = Category.objects.filter(is_active=True).first()
    values = {
        "number": 1,
        "enterprise_name": _("(the enterprise's registered name)"),
        "credit_code": "91500103MA5U7XXXXX",
        "title": _("(what the enterprise raised)"),
        "category": category.name if category else "",
        "lead_department": lead.name if lead else "",
        "deadline": date(2026, 3, 31),
        "progress": _("(how it was handled so far, or how it was resolved)"),
        "conclusion": "办理中",
        "raised_on": date(2026, 3, 2),
        "source": str(Issue.Source.MEETING.label),
    }
    return [values.get(column.key, "") for column in COLUMNS]


def _notes() -> list:
    required = _("Required")
    rows = [Bold([_("Column"), _("What it takes")])]
    takes = {
        "credit_code": _("18 characters; found by the code first, then by the name."),
        "title": _("The first line is the title; longer text is kept as the description."),
        "co_departments": _("Several, separated by 、 or a comma."),
        "deadline": _("A date (2026-03-31); a lead department needs one."),
        "conclusion": _("已办结 (concluded) or 办理中 (in progress)."),
        "satisfaction": "满意 / 基本满意 / 不满意",
        "raised_on": _(
            "A date; with the enterprise and the title, it recognises a row already imported."
        ),
        "source": " / ".join(str(label) for _value, label in Issue.Source.choices),
    }
    for column in COLUMNS:
        text = str(takes.get(column.key, ""))
        rows.append([str(column.label), f"{required}. {text}" if column.required else text])
    rows.append([])
    rows.append(Bold([_("Departments")]))
    rows += [[d.name] for d in Department.objects.filter(is_active=True).order_by("sort_order")]
    rows.append([])
    rows.append(Bold([_("Categories")]))
    rows += [[c.name] for c in Category.objects.filter(is_active=True)]
    return rows


def _header(column) -> str:
    """The header a district's 台账 uses for Chinese readers, the label for others."""
    return column.headers[0] if prefers_chinese() else str(column.label)


def write_template(out) -> None:
    ledger = Sheet(
        _("Ledger"),
        [8, 30, 22, 40, 14, 24, 24, 12, 40, 10, 12, 12, 12, 10],
        [Bold([_header(column) for column in COLUMNS]), _example()],
        freeze_header=True,
    )
    notes = Sheet(_("Notes"), [28, 80], _notes())
    write_workbook(out, [ledger, notes])
