"""An enterprise's industry, typed as text, shown in the reader's language: the sections
(门类) of the national classification of industries (GB/T 4754-2017), in Chinese and English,
are recognised in either language; anything else is shown as typed. In Chinese, lists follow
the classification's own order (A to T), the official one; in English, the alphabet
(``roundtable/lib/ordering.py``)."""

from roundtable.lib.i18n import bilingual

# (section, Chinese name, English name), in the classification's order.
SECTIONS = [
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    (
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    ),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    (
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    (
        "N",
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    ("O", "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    (
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    ("T", "国际组织", "International organisations"),
]
_BY_NAME = {
    name.casefold(): (place, zh, en)
    for place, (_section, zh, en) in enumerate(SECTIONS)
    for name in (zh, en)
}


def name(text: str, *, chinese: bool | None = None) -> str:
    """``text`` in the reader's language if it names a section, else as typed."""
    found = _BY_NAME.get((text or "").strip().casefold())
    if found is None:
        return text or ""
    return bilingual(found[1], found[2], chinese=chinese)


def place(text: str) -> int:
    """The official position of ``text`` (its section), unknown ones after all sections."""
    found = _BY_NAME.get((text or "").strip().casefold())
    return found[0] if found else len(SECTIONS)
