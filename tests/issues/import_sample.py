"""The sample ledger of the import tests: 200 rows of an invented district's 台账, with
mistakes planted on known cells (``PLANTED``), and the enterprises, departments and
categories it refers to (``build_world``). Invented enterprises and codes; the departments
are the documents' names. Also used by bench/import_10k.py for a larger file.

    python -m tests.issues.import_sample out.xlsx   (needs DJANGO_SETTINGS_MODULE and a
    database with the calendar: it counts deadlines in working days)
"""

import random
from datetime import date, timedelta

from departments.models import Department
from issues.models import Category
from roundtable.enterprises.models import Enterprise
from roundtable.lib.uscc import check_character
from roundtable.workdays import services as workdays

HEADER = [
    "序号", "企业名称", "统一社会信用代码", "反映问题", "问题类别", "牵头单位", "配合单位",
    "办理时限", "办理情况", "办结情况", "企业满意度", "提出日期", "来源",
]  # fmt: skip

DEPARTMENTS = [
    ("drc", "区发展改革委", "Development and Reform Commission"),
    ("commerce", "区商务委", "Commission of Commerce"),
    ("planning", "区规划自然资源局", "Planning and Natural Resources Bureau"),
    ("amr", "区市场监管局", "Administration for Market Regulation"),
    ("tax", "区税务局", "Taxation Bureau"),
    ("hrss", "区人力社保局", "Human Resources and Social Security Bureau"),
]
CATEGORIES = [
    ("land", "用地规划", "Land and planning"),
    ("permits", "证照审批", "Permits and licences"),
    ("talent", "人才用工", "Talent and employment"),
    ("customs", "通关物流", "Customs and logistics"),
    ("tax", "税费政策", "Taxes and fees"),
    ("other", "其他", "Other"),
]
_PLACES = "星河 云岭 嘉陵 南山 朝天 鹅岭 解放 长江 两江 佛图 桂园 枇杷 大坪 菜园 储奇".split()
_TRADES = [
    ("精密机械", "Precision Machinery"),
    ("医疗器械", "Medical Devices"),
    ("食品贸易", "Food Trading"),
    ("汽车零部件", "Auto Parts"),
]
# Two enterprises share this English name: a row naming it without a code is ambiguous.
TWIN_NAME = "Xinghe Trading Co., Ltd."
_PROBLEMS = [
    "申请扩建厂房用地规划调整", "外籍员工工作许可办理周期长", "进口设备通关查验时间长",
    "研发费用加计扣除政策咨询", "食品经营许可证延续办理", "招聘高技能人才缺少渠道",
    "厂区周边道路交通组织优化", "出口退税进度较慢", "医疗器械注册证变更", "员工社保转移接续",
]  # fmt: skip
_PROGRESS = "已与企业对接，正在协调相关部门研究办理。"
_RESOLVED = "已办结：经现场协调，问题已解决，企业表示认可。"


def credit_code(n: int) -> str:
    first17 = f"91500103MA{n:07d}"
    return first17 + check_character(first17)


def enterprise_names(n: int) -> tuple[str, str]:
    place, (trade, trade_en) = _PLACES[n % len(_PLACES)], _TRADES[n % len(_TRADES)]
    return f"重庆{place}{trade}有限公司{n}", f"Chongqing {place} {trade_en} Co. {n}"


def build_world(enterprises: int = 30) -> None:
    """The departments, categories and enterprises the sample names (idempotent)."""
    for code, zh, en in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en})
    for code, zh, en in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en})
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    new = []
    for n in range(1, enterprises + 1):
        if credit_code(n) not in existing:
            zh, en = enterprise_names(n)
            new.append(Enterprise(name_zh=zh, name_en=en, credit_code=credit_code(n), country="DE"))
    for n, zh in ((9001, "重庆星河贸易有限公司"), (9002, "重庆星河贸易有限公司渝中分公司")):
        if credit_code(n) not in existing:
            new.append(
                Enterprise(name_zh=zh, name_en=TWIN_NAME, credit_code=credit_code(n), country="SG")
            )
    Enterprise.objects.bulk_create(new)


def _working_day_after(day: date, days: int) -> date:
    return workdays.next_working_day(day + timedelta(days=days))


def valid_row(n: int, rng: random.Random, *, enterprises: int = 30, problems=_PROBLEMS) -> list:
    """A row without a mistake; ``n`` numbers it (and makes its title unique)."""
    number = rng.randint(1, enterprises)
    name, _en = enterprise_names(number)
    raised = date(2025, 1, 2) + timedelta(days=rng.randint(0, 480))
    lead, co = rng.sample(DEPARTMENTS, 2)
    deadline = _working_day_after(raised, rng.randint(10, 40))
    state = rng.choice(["open", "progress", "concluded", "closed", "closed"])
    if deadline > date(2026, 9, 1):
        state = rng.choice(["open", "progress"])
    satisfaction = rng.choice(["满意", "基本满意"]) if state == "closed" else ""
    return [
        n,
        name,
        credit_code(number) if n % 4 else "",  # a quarter by name alone
        f"{rng.choice(problems)}（第{n}项）",
        rng.choice(CATEGORIES)[1],
        lead[1],
        co[1] if rng.random() < 0.5 else "",
        deadline,
        {"open": "", "progress": _PROGRESS}.get(state, _RESOLVED),
        "已办结" if state in ("concluded", "closed") else "办理中",
        satisfaction,
        raised.isoformat() if n % 3 else raised,  # text and date cells both
        rng.choice(["圆桌会议", "走访", "12345热线", "微信", "邮件"]),
    ]


COL = {key: index for index, key in enumerate(
    ["number", "enterprise_name", "credit_code", "title", "category", "lead_department",
     "co_departments", "deadline", "progress", "conclusion", "satisfaction", "raised_on",
     "source"]
)}  # fmt: skip

# File row (the header is row 1) → (column, a word of the message, severity): every mistake
# planted, and where the preview must show it.
PLANTED = {
    5: ("lead_department", "区宇宙管理局", "error"),
    12: ("co_departments", "区魔法委", "error"),
    20: ("enterprise_name", "No enterprise has this name", "error"),
    27: ("enterprise_name", "Several enterprises have this name", "error"),
    33: ("credit_code", "Not a valid unified social credit code", "error"),
    41: ("credit_code", "No enterprise has this credit code", "error"),
    48: ("enterprise_name", "different enterprises", "error"),
    56: ("raised_on", "is not a day of the calendar", "error"),
    63: ("deadline", "is a day off", "warning"),
    71: ("title", "A formula", "error"),
    79: ("deadline", "cannot be before", "error"),
    88: ("satisfaction", "Not a satisfaction", "error"),
    95: ("deadline", "is not a day of the calendar", "error"),
    120: ("source", "Unknown source", "error"),
    150: ("title", "Say what the issue is", "error"),
}
REPEATED = {170: 160}  # row 170 repeats row 160: skipped as already in the file
ROWS = 200


def _bad_check_character(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


# What each planted row's cells become.
PLANTS = {
    5: {"lead_department": "区宇宙管理局"},
    12: {"co_departments": "区商务委、区魔法委"},
    20: {"enterprise_name": "重庆不存在科技有限公司", "credit_code": ""},
    27: {"enterprise_name": TWIN_NAME, "credit_code": ""},
    33: {"credit_code": _bad_check_character(credit_code(3))},
    41: {"credit_code": credit_code(8888), "enterprise_name": enterprise_names(7)[0]},
    48: {"credit_code": credit_code(2), "enterprise_name": enterprise_names(5)[0]},
    56: {"raised_on": "2025-02-30"},
    63: {"raised_on": "2025-09-15", "deadline": date(2025, 10, 3)},  # National Day holiday
    71: {"title": '=CONCATENATE("用地","问题")'},
    79: {"raised_on": "2025-06-10", "deadline": date(2025, 5, 30)},
    88: {"conclusion": "已办结", "satisfaction": "很好", "progress": _RESOLVED},
    95: {"deadline": "2025年4月31日"},
    120: {"source": "飞鸽传书"},
    150: {"title": ""},
}


def _plant(row: list, file_row: int) -> list:
    for key, value in PLANTS.get(file_row, {}).items():
        row[COL[key]] = value
    return row


def sample_rows(rows: int = ROWS, *, seed: int = 18, **valid) -> list[list]:
    """The ledger's rows; ``valid`` goes to ``valid_row`` (bench/import_10k.py's titles)."""
    rng = random.Random(seed)
    body = []
    for n in range(1, rows + 1):
        file_row = n + 1
        if file_row in REPEATED:
            repeated = list(body[REPEATED[file_row] - 2])
            repeated[0] = n
            body.append(repeated)
            continue
        body.append(_plant(valid_row(n, rng, **valid), file_row))
    return body


def write_sample(path, rows: int = ROWS) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(HEADER)
    for row in sample_rows(rows):
        sheet.append(row)
    book.save(path)


if __name__ == "__main__":  # pragma: no cover
    import sys

    import django

    django.setup()
    write_sample(sys.argv[1])
