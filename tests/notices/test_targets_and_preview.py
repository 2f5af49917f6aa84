"""Whom a notice's target reaches, one delivery per person, and the preview of languages and
fallbacks the staff see before sending."""

import pytest

from roundtable.notices import selectors
from roundtable.notices.languages import version_for
from roundtable.notices.models import Notice
from tests.notices import world as w

pytestmark = pytest.mark.django_db


def _keys(notice):
    people, unreachable = selectors.recipients(notice)
    return sorted(p.email.lower().split("@")[0] for p in people), unreachable


def test_all_enterprises_reach_each_person_once_and_count_the_unreachable(staff):
    world = w.build()
    names, unreachable = _keys(w.notice(staff))
    # Miller speaks for two enterprises and is one person; Park has no address or account.
    assert names == ["contact_en", "contact_ja", "contact_ko", "contact_zh", "tanaka"]
    assert unreachable == 1
    assert world.contacts["silent"].name == "Park"


def test_industry_matches_the_section_in_either_language(staff):
    w.build()
    notice = w.notice(staff, target=Notice.Target.INDUSTRY, target_industries=["C"])
    # 制造业 (typed in Chinese) and Manufacturing (in English) are section C.
    assert _keys(notice)[0] == ["contact_en", "contact_ko", "contact_zh"]


def test_country_association_and_hand_picked_targets(staff):
    world = w.build()
    by_country = w.notice(staff, target=Notice.Target.COUNTRY, target_countries=["JP"])
    assert _keys(by_country)[0] == ["contact_en", "contact_ja", "tanaka"]
    by_chamber = w.notice(staff, target=Notice.Target.ASSOCIATION, associations=[world.chamber])
    assert _keys(by_chamber)[0] == ["contact_en", "contact_ja", "contact_zh", "tanaka"]
    picked = w.notice(staff, target=Notice.Target.ENTERPRISES, enterprises=[world.kr])
    assert _keys(picked) == (["contact_ko"], 1)


def test_inactive_enterprises_are_not_reached(staff):
    world = w.build()
    world.kr.is_active = False
    world.kr.save()
    assert "contact_ko" not in _keys(w.notice(staff))[0]


def test_fallback_order_is_own_language_then_english_then_chinese():
    assert version_for("ja", ["zh-hans", "en", "ja"]) == "ja"
    assert version_for("ja", ["zh-hans", "en"]) == "en"
    assert version_for("ko", ["zh-hans"]) == "zh-hans"
    assert version_for("en", ["zh-hans", "ko"]) == "zh-hans"
    assert version_for("zh-hans", ["zh-hans", "en"]) == "zh-hans"


def test_preview_counts_each_version_and_names_who_falls_back(staff):
    w.build()
    preview = selectors.preview(w.notice(staff))  # zh, en and ko written; ja missing
    assert preview.total == 5
    assert preview.by_version == {"zh-hans": 1, "en": 3, "ko": 1}
    assert preview.fallbacks == {("ja", "en"): 2}
    assert sorted(p.name for p in preview.fallback_people) == ["Contact_Ja", "Tanaka"]


def test_a_contact_whose_link_ended_is_not_reached(staff):
    from datetime import date

    world = w.build()
    world.contacts["ko"].ended_on = date(2020, 1, 1)
    world.contacts["ko"].save()
    assert "contact_ko" not in _keys(w.notice(staff))[0]
