"""Code lists in the reader's order, "Other" last (roundtable/lib/ordering.py)."""

from django.utils import translation

from roundtable.enterprises.forms import DirectoryFilterForm
from roundtable.lib.ordering import for_reader


def test_english_is_alphabetical_with_other_last():
    choices = [("", "—"), (3, "other"), (1, "Tax"), (2, "customs"), (4, "Égalité")]
    assert for_reader(choices, chinese=False) == [
        ("", "—"),
        (2, "customs"),
        (4, "Égalité"),
        (1, "Tax"),
        (3, "other"),
    ]


def test_chinese_keeps_the_given_order_with_other_last():
    choices = [("", "—"), ("a", "土地"), ("o", "其他"), ("b", "海关"), ("c", "其他机构")]
    assert for_reader(choices, chinese=True) == [
        ("", "—"),
        ("a", "土地"),
        ("b", "海关"),
        ("o", "其他"),
        ("c", "其他机构"),
    ]


def test_directory_countries_follow_the_active_language(db):
    with translation.override("zh-hans"):
        names = dict(DirectoryFilterForm().fields["country"].choices)
        assert names["DE"] == "德国"
    with translation.override("en"):
        names = dict(DirectoryFilterForm().fields["country"].choices)
        assert names["DE"] == "Germany"


def test_meeting_countries_typed_in_one_language_read_in_the_other():
    from roundtable.lib.countries import for_reader

    with translation.override("en"):
        assert for_reader("德国、法国") == "Germany, France"
        assert for_reader("USA and 火星") == "United States of America, 火星"
    with translation.override("zh-hans"):
        assert for_reader("Germany, France") == "德国、法国"
        assert for_reader("") == ""


def test_industries_read_in_the_readers_language_in_the_official_order_in_chinese(db):
    from tests import factories

    for industry in ("制造业", "Finance", "批发和零售业", "Basket weaving"):
        factories.EnterpriseFactory(industry=industry)
    with translation.override("en"):
        labels = [label for _v, label in DirectoryFilterForm().fields["industry"].choices]
        assert labels == [
            "—",
            "Basket weaving",
            "Finance",
            "Manufacturing",
            "Wholesale and retail trade",
        ]
    with translation.override("zh-hans"):
        labels = [label for _v, label in DirectoryFilterForm().fields["industry"].choices]
        assert labels == ["—", "制造业", "批发和零售业", "金融业", "Basket weaving"]


def test_department_and_category_choices_official_order_in_chinese_alphabet_in_english(db):
    from issues.forms import AssignForm, IssueForm
    from tests import factories

    for code, zh, en, place in (
        ("other", "其他", "Other", 5),
        ("tax", "税务局", "Tax Bureau", 30),
        ("dev", "发展改革委", "Development and Reform Commission", 10),
        ("com", "商务委", "Commerce Commission", 20),
    ):
        factories.DepartmentFactory(code=code, name_zh=zh, name_en=en, sort_order=place)
        factories.CategoryFactory(code=code, name_zh=zh, name_en=en, sort_order=place)

    def labels(form, name):
        return [label for value, label in form.fields[name].widget.choices if value != ""]

    with translation.override("zh-hans"):
        official = ["发展改革委", "商务委", "税务局", "其他"]
        assert labels(AssignForm(issue=None), "lead_department") == official
        assert labels(AssignForm(issue=None), "co_departments") == official
        assert labels(IssueForm(), "category") == official
    with translation.override("en"):
        alphabet = ["Commerce Commission", "Development and Reform Commission", "Tax Bureau"]
        assert labels(AssignForm(issue=None), "lead_department") == [*alphabet, "Other"]
        assert labels(IssueForm(), "category") == [*alphabet, "Other"]
