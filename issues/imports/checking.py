"""What each row of a ledger becomes, and every problem of each cell, writing nothing.

A row with an error is not imported; a warning is shown and the row is imported; a row
already in the ledger (the same enterprise, title and day raised, or an earlier row of the
same file) is skipped. Enterprises, departments and categories are read once for the whole
file, so a 10,000-row file is checked in a handful of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from issues.imports import values
from issues.imports.columns import COLUMNS, Column
from issues.imports.reading import Table
from issues.imports.values import CellError, folded
from issues.models import TITLE_MAX, Category, Issue
from issues.services import ImportedIssue
from roundtable.enterprises.models import Enterprise
from roundtable.lib import uscc
from roundtable.workdays import services as workdays

CANDIDATES = 5
ERROR, WARNING = "error", "warning"
IMPORT, DUPLICATE, REJECTED = "import", "duplicate", "rejected"


@dataclass
class Problem:
    column: str  # a column's key
    message: str
    severity: str = ERROR


@dataclass
class Row:
    number: int  # the row in the file, as the spreadsheet numbers it
    cells: dict[str, str]  # each mapped column's text
    problems: list[Problem] = field(default_factory=list)
    issue: ImportedIssue | None = None
    outcome: str = REJECTED
    duplicate_of: str = ""  # the issue's reference, or "row N"

    def display(self, columns: list[Column]) -> list[dict]:
        """The cells of ``columns``, each with its text and problems (the preview's row)."""
        shown = []
        for column in columns:
            problems = self.problems_of(column.key)
            worst = min((p.severity for p in problems), default="")  # "error" < "warning"
            text = self.cells.get(column.key, "")
            shown.append({"key": column.key, "text": text, "problems": problems, "worst": worst})
        return shown

    def problems_of(self, key: str) -> list[Problem]:
        return [p for p in self.problems if p.column == key]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


@dataclass
class Lookups:
    """The enterprises, departments and categories a file is checked against."""

    by_code: dict = field(default_factory=dict)
    by_name: dict = field(default_factory=lambda: defaultdict(list))
    enterprises: list = field(default_factory=list)
    departments: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    other_category: object = None

    @classmethod
    def load(cls) -> "Lookups":
        found = cls()
        for enterprise in Enterprise.objects.only("pk", "name_zh", "name_en", "credit_code"):
            found.enterprises.append(enterprise)
            found.by_code[enterprise.credit_code] = enterprise
            for name in {folded(enterprise.name_zh), folded(enterprise.name_en or "")} - {""}:
                found.by_name[name].append(enterprise)
        for department in Department.objects.filter(is_active=True):
            for name in (department.name_zh, department.name_en, department.code):
                if name:
                    found.departments.setdefault(folded(name), department)
        for category in Category.objects.filter(is_active=True):
            for name in (category.name_zh, category.name_en, category.code):
                if name:
                    found.categories.setdefault(folded(name), category)
        found.other_category = found.categories.get("other")
        return found

    def similar(self, name: str) -> list:
        key = folded(name)[:4]
        if not key:
            return []
        return [
            e
            for e in self.enterprises
            if key in folded(e.name_zh) or key in folded(e.name_en or "")
        ][:CANDIDATES]


def _candidates(enterprises) -> str:
    return "; ".join(f"{e.name_zh} ({e.credit_code})" for e in enterprises)


def check_table(table: Table, mapping: dict[str, int]) -> list[Row]:
    lookups = Lookups.load()
    rows = [_check_row(number, cells, mapping, lookups) for number, cells in table.rows]
    _mark_duplicates(rows)
    return rows


def _cell(cells: list, mapping: dict[str, int], key: str):
    index = mapping.get(key)
    return cells[index] if index is not None and index < len(cells) else None


def _check_row(number: int, cells: list, mapping: dict[str, int], lookups: Lookups) -> Row:
    raw = {c.key: _cell(cells, mapping, c.key) for c in COLUMNS if c.key in mapping}
    row = Row(number=number, cells={})
    for key, cell in raw.items():
        try:
            row.cells[key] = values.text(cell)
        except CellError as error:
            row.cells[key] = str(cell)
            row.problems.append(Problem(key, str(error)))
    facts = _Facts(row, raw)
    enterprise = _enterprise(row, lookups)
    title, description = _title(row)
    category = facts.read("category", lambda c: _category(c, lookups))
    if "category" not in raw:
        category = _category(None, lookups) if lookups.other_category else None
    source = facts.read("source", values.source)
    raised_on = facts.read("raised_on", values.day)
    if raised_on is None and not row.problems_of("raised_on"):
        row.problems.append(Problem("raised_on", _("Give the day the issue was raised.")))
    lead = facts.read("lead_department", lambda c: _department(c, lookups))
    co = facts.read("co_departments", lambda c: _departments(c, lookups)) or []
    deadline = facts.read("deadline", values.day)
    concluded = facts.read("concluded_on", values.day)
    issue = ImportedIssue(
        title=title,
        description=description,
        enterprise=enterprise,
        category=category,
        source=source or Issue.Source.OTHER,
        raised_on=raised_on,
        lead_department=lead,
        co_departments=[d for d in co if d != lead],
        deadline=deadline,
        progress=row.cells.get("progress", ""),
        concluded=bool(facts.read("conclusion", values.concluded)),
        concluded_on=concluded,
        satisfaction=facts.read("satisfaction", values.satisfaction) or "",
    )
    _check_together(row, issue)
    row.issue = issue
    row.outcome = REJECTED if row.has_errors else IMPORT
    return row


class _Facts:
    """Reads a cell with a reader from ``values``, noting its error on the cell."""

    def __init__(self, row: Row, raw: dict):
        self.row, self.raw = row, raw

    def read(self, key: str, reader):
        if key not in self.raw or self.row.problems_of(key):
            return None
        try:
            return reader(self.raw[key])
        except CellError as error:
            self.row.problems.append(Problem(key, str(error)))
            return None


def _title(row: Row) -> tuple[str, str]:
    text = row.cells.get("title", "")
    if not text:
        row.problems.append(Problem("title", _("Say what the issue is.")))
        return "", ""
    first = " ".join(text.splitlines()[0].split())
    if len(first) <= TITLE_MAX and first == text:
        return first, ""
    return first[:TITLE_MAX], text


def _enterprise(row: Row, lookups: Lookups):
    """The enterprise the credit code names, else the only one of that name."""
    code = uscc.normalize(row.cells.get("credit_code", ""))
    name = row.cells.get("enterprise_name", "")
    by_name = lookups.by_name.get(folded(name), []) if name else []
    if code and not uscc.is_valid(code):
        row.problems.append(
            Problem(
                "credit_code",
                _("Not a valid unified social credit code: %(code)s") % {"code": code},
            )
        )
        return None
    if code:
        enterprise = lookups.by_code.get(code)
        if enterprise is None:
            hint = _candidates(by_name or lookups.similar(name))
            message = _("No enterprise has this credit code.")
            if hint:
                message += " " + _("By name: %(candidates)s") % {"candidates": hint}
            row.problems.append(Problem("credit_code", message))
            return None
        if name and by_name and enterprise not in by_name:
            row.problems.append(
                Problem(
                    "enterprise_name",
                    _(
                        "The credit code and the name give different enterprises. By code: "
                        "%(code)s; by name: %(name)s"
                    )
                    % {"code": _candidates([enterprise]), "name": _candidates(by_name)},
                )
            )
            return None
        return enterprise
    if not name:
        row.problems.append(Problem("enterprise_name", _("Name the enterprise.")))
        return None
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        message = _("Several enterprises have this name; give the credit code: %(candidates)s")
        row.problems.append(
            Problem("enterprise_name", message % {"candidates": _candidates(by_name)})
        )
        return None
    message = _("No enterprise has this name.")
    similar = lookups.similar(name)
    if similar:
        message += " " + _("Similar: %(candidates)s") % {"candidates": _candidates(similar)}
    row.problems.append(Problem("enterprise_name", message))
    return None


def _category(cell, lookups: Lookups):
    text = values.text(cell)
    if not text and lookups.other_category is not None:
        return lookups.other_category  # a ledger without categories: "Other", as staff would
    if not text:
        raise CellError(_("Give the category."))
    category = lookups.categories.get(folded(text))
    if category is None:
        raise CellError(_("Unknown category: %(name)s") % {"name": text})
    return category


def _department(cell, lookups: Lookups):
    text = values.text(cell)
    if not text:
        return None
    department = lookups.departments.get(folded(text))
    if department is None:
        raise CellError(_("Unknown department: %(name)s") % {"name": text})
    return department


SEPARATORS = str.maketrans({c: "," for c in "、，,;；/\n"})


def _departments(cell, lookups: Lookups) -> list:
    names = [n.strip() for n in values.text(cell).translate(SEPARATORS).split(",")]
    found, unknown = [], []
    for name in filter(None, names):
        department = lookups.departments.get(folded(name))
        (found if department else unknown).append(department or name)
    if unknown:
        raise CellError(_("Unknown department: %(name)s") % {"name": "、".join(unknown)})
    return found


def _check_together(row: Row, issue: ImportedIssue) -> None:
    """The rules between cells: a deadline needs a lead department and is a working day
    after the day raised; a conclusion needs a lead; a rating needs a conclusion."""
    problems = row.problems
    if issue.category is None and "category" not in row.cells:
        problems.append(Problem("title", _("The file has no category column.")))
    if issue.deadline and issue.lead_department is None and not row.problems_of("lead_department"):
        problems.append(Problem("lead_department", _("A deadline needs a lead department.")))
    if (
        issue.lead_department is not None
        and issue.deadline is None
        and not row.problems_of("deadline")
    ):
        problems.append(Problem("deadline", _("Give a deadline when assigning a lead department.")))
    if issue.deadline and issue.raised_on and issue.deadline < issue.raised_on:
        problems.append(
            Problem("deadline", _("The deadline cannot be before the day it was raised."))
        )
    elif issue.deadline and not workdays.is_working_day(issue.deadline):
        holiday = workdays.holiday_name(issue.deadline)
        message = _("%(day)s is a day off%(holiday)s; the deadline is kept as written.") % {
            "day": issue.deadline.isoformat(),
            "holiday": f" ({holiday})" if holiday else "",
        }
        problems.append(Problem("deadline", message, WARNING))
    if issue.concluded and issue.lead_department is None and not row.problems_of("lead_department"):
        problems.append(Problem("conclusion", _("A concluded issue needs a lead department.")))
    if issue.concluded and not issue.progress:
        problems.append(Problem("progress", _("Say how the issue was resolved.")))
    if issue.satisfaction and not issue.concluded:
        problems.append(
            Problem("satisfaction", _("A rating needs a conclusion; it is not imported."), WARNING)
        )
        issue.satisfaction = ""
    today = timezone.localdate()
    if issue.concluded_on and issue.concluded_on > today:
        problems.append(Problem("concluded_on", _("The conclusion date cannot be in the future.")))
    elif issue.concluded_on and issue.raised_on and issue.concluded_on < issue.raised_on:
        problems.append(
            Problem("concluded_on", _("The conclusion date cannot be before the issue was raised."))
        )
    if issue.concluded and issue.concluded_on is None and issue.raised_on:
        # The ledger did not say when: on the deadline, or today if that is still to come.
        issue.concluded_on = max(issue.raised_on, min(issue.deadline or today, today))


def _mark_duplicates(rows: list[Row]) -> None:
    """Skip the rows already imported (same enterprise, title and day raised) and the repeats
    of an earlier row of the file."""
    keyed = [r for r in rows if r.outcome == IMPORT]
    enterprises = {r.issue.enterprise.pk for r in keyed}
    days = {r.issue.raised_on for r in keyed}
    existing = {}
    if keyed:
        for pk, title, raised_on, reference in Issue.objects.filter(
            enterprise_id__in=enterprises, raised_on__in=days
        ).values_list("enterprise_id", "title", "raised_on", "reference"):
            existing[(pk, title, raised_on)] = reference
    for row in keyed:
        key = (row.issue.enterprise.pk, row.issue.title, row.issue.raised_on)
        if key in existing:
            row.outcome, row.duplicate_of = DUPLICATE, existing[key]
        else:
            existing[key] = _("row %(n)d") % {"n": row.number}


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {IMPORT: 0, DUPLICATE: 0, REJECTED: 0}
    for row in rows:
        counts[row.outcome] += 1
    counts["warnings"] = sum(1 for r in rows if any(p.severity == WARNING for p in r.problems))
    return counts


def columns_of(mapping: dict[str, int]) -> list[Column]:
    return [c for c in COLUMNS if c.key in mapping]


BY_LABEL = {c.key: c.label for c in COLUMNS}
