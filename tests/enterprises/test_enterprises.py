"""The enterprise directory and page, registration with clear validation errors, contacts,
and designated officials' portfolios."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roundtable.enterprises import services
from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.meetings import services as meeting_services
from tests import factories
from tests.meetings.helpers import make_meeting, make_roundtable

pytestmark = pytest.mark.django_db
CODE = "91350100M000100Y43"  # a valid code (its check character is 3)


def _form(**overrides):
    data = {
        "name_zh": "莱茵精密工具（重庆）有限公司",
        "name_en": "Rhein Precision Tools (Chongqing) Co., Ltd.",
        "credit_code": CODE,
        "country": "DE",
        "industry": "Manufacturing",
        "visit_interval_days": "90",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- Registration and validation ----------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        CODE.lower(),
        f"  {CODE[:4]} {CODE[4:9]} {CODE[9:]} ",
        "".join(chr(ord(c) + 0xFEE0) for c in CODE),
    ],
)
def test_a_code_typed_in_any_form_is_stored_in_one(typed, client, staff):
    client.force_login(staff)
    response = client.post("/enterprises/new/", _form(credit_code=typed))
    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    assert enterprise.credit_code == CODE
    assert enterprise.history.first().history_user == staff


def test_a_wrong_check_character_is_named_and_the_form_kept(client, staff):
    client.force_login(staff)
    response = client.post("/enterprises/new/", _form(credit_code=CODE[:17] + "4"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "check character" in body
    assert "莱茵精密工具（重庆）有限公司" in body and CODE[:17] + "4" in body
    assert not Enterprise.objects.exists()


def test_seventeen_characters_say_how_many(client, staff):
    client.force_login(staff)
    body = client.post("/enterprises/new/", _form(credit_code=CODE[:17])).content.decode()
    assert "18 characters; this one has 17" in body


def test_a_duplicate_code_names_the_enterprise_that_has_it(client, staff, enterprise_1):
    client.force_login(staff)
    response = client.post("/enterprises/new/", _form(credit_code=enterprise_1.credit_code.lower()))
    assert response.status_code == 400
    body = response.content.decode()
    assert "already registered to" in body and "第一企业有限公司" in body
    assert f"/enterprises/{enterprise_1.pk}/" in body
    assert Enterprise.objects.count() == 1


def test_a_duplicate_chinese_name_is_refused_whatever_the_parentheses(client, staff):
    client.force_login(staff)
    assert client.post("/enterprises/new/", _form()).status_code == 302
    response = client.post(
        "/enterprises/new/",
        _form(name_zh="莱茵精密工具(重庆)有限公司", credit_code=factories.valid_uscc()),
    )
    assert response.status_code == 400
    assert "is already registered" in response.content.decode()
    assert Enterprise.objects.count() == 1


def test_editing_to_another_enterprises_code_is_refused(staff, enterprise_1, enterprise_2):
    with pytest.raises(services.EnterpriseRefused) as exc:
        services.enterprise_update(
            actor=staff, enterprise=enterprise_2, credit_code=enterprise_1.credit_code
        )
    assert exc.value.field == "credit_code"
    enterprise_2.refresh_from_db()
    assert enterprise_2.credit_code != enterprise_1.credit_code


def test_an_edit_is_recorded_with_who_and_what(client, staff, enterprise_1):
    client.force_login(staff)
    chamber = Association.objects.create(name_zh="德国商会", kind="chamber")
    response = client.post(
        f"/enterprises/{enterprise_1.pk}/edit/",
        _form(
            name_zh=enterprise_1.name_zh,
            credit_code=enterprise_1.credit_code,
            industry="Logistics",
            associations=[chamber.pk],
        ),
    )
    assert response.status_code == 302
    enterprise_1.refresh_from_db()
    assert enterprise_1.industry == "Logistics"
    latest = enterprise_1.history.first()
    assert latest.history_user == staff and "industry" in latest.history_change_reason
    assert list(enterprise_1.associations.all()) == [chamber]
    assert chamber.history.first().history_user == staff


@pytest.mark.parametrize("who", ["chair", "liaison_a", "monitor", "admin_user"])
def test_only_staff_register_enterprises(who, request, client):
    client.force_login(request.getfixturevalue(who))
    assert client.post("/enterprises/new/", _form()).status_code == 403
    assert not Enterprise.objects.exists()


def test_hostile_names_are_shown_as_text(client, staff):
    client.force_login(staff)
    client.post("/enterprises/new/", _form(name_en='"><img src=x onerror=alert(1)>'))
    body = client.get("/enterprises/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x" in body


# --- Contacts -----------------------------------------------------------------------------


def test_a_new_primary_contact_replaces_the_old_primary(client, staff, enterprise_1):
    old = EnterpriseContact.objects.create(enterprise=enterprise_1, name="Old", is_primary=True)
    client.force_login(staff)
    response = client.post(
        f"/enterprises/{enterprise_1.pk}/contacts/new/",
        {"name": "Ms Weber", "title": "GM", "preferred_language": "en", "is_primary": "on"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_primary
    assert EnterpriseContact.objects.get(name="Ms Weber").is_primary


def test_a_contact_of_another_enterprise_is_404(client, staff, enterprise_1, enterprise_2):
    contact = EnterpriseContact.objects.create(enterprise=enterprise_2, name="Not yours")
    client.force_login(staff)
    url = f"/enterprises/{enterprise_1.pk}/contacts/{contact.pk}/edit/"
    assert client.post(url, {"name": "x", "preferred_language": "en"}).status_code == 404


# --- The directory ------------------------------------------------------------------------


@pytest.fixture
def directory(db, staff):
    official = factories.UserFactory(username="official", full_name="Official Chen")
    chamber = Association.objects.create(name_zh="日本商工会", kind="association", country="JP")
    nippon = factories.EnterpriseFactory(
        name_zh="日本精工重庆有限公司", name_en="Nippon Seiko Chongqing", country="JP",
        industry="Automotive", designated_official=official,
    )  # fmt: skip
    chamber.enterprises.add(nippon)
    rhein = factories.EnterpriseFactory(
        name_zh="莱茵物流有限公司", name_en="Rhein Logistics", country="DE", industry="Logistics"
    )
    return {"nippon": nippon, "rhein": rhein, "official": official, "chamber": chamber}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "精工"}, {"nippon"}),
        ({"q": "rhein"}, {"rhein"}),
        ({"country": "JP"}, {"nippon"}),
        ({"industry": "Logistics"}, {"rhein"}),
        ({"official": "official"}, {"nippon"}),
        ({"association": "chamber"}, {"nippon"}),
        ({}, {"nippon", "rhein"}),
    ],
)
def test_the_directory_searches_and_filters(query, expected, client, staff, directory):
    params = dict(query)
    if "official" in params:
        params["official"] = directory["official"].pk
    if "association" in params:
        params["association"] = directory["chamber"].pk
    client.force_login(staff)
    body = client.get("/enterprises/", params).content.decode()
    for key in ("nippon", "rhein"):
        assert (directory[key].name_zh in body) == (key in expected), key


def test_the_directory_finds_a_credit_code_typed_loosely(client, staff, directory):
    code = directory["rhein"].credit_code
    client.force_login(staff)
    body = client.get("/enterprises/", {"q": code[-8:].lower()}).content.decode()
    assert directory["rhein"].name_zh in body and directory["nippon"].name_zh not in body


def test_inactive_enterprises_are_hidden_unless_asked(client, staff, directory):
    Enterprise.objects.filter(pk=directory["rhein"].pk).update(is_active=False)
    client.force_login(staff)
    assert directory["rhein"].name_zh not in client.get("/enterprises/").content.decode()
    body = client.get("/enterprises/", {"inactive": "on"}).content.decode()
    assert directory["rhein"].name_zh in body


def test_the_directory_pages_with_a_fixed_number_of_queries(
    client, staff, directory, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)
    client.get("/enterprises/")
    with CaptureQueriesContext(connection) as few:
        client.get("/enterprises/")
    factories.EnterpriseFactory.create_batch(120)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/enterprises/", {"page": 2})
    assert response.content.decode().count('href="/enterprises/') >= 50


@pytest.mark.parametrize("who", ["liaison_a", "head_a", "monitor", "admin_user"])
def test_the_directory_is_not_for_departments(who, request, client, directory):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/enterprises/").status_code == 403


# --- The enterprise page ------------------------------------------------------------------


def test_the_page_gathers_contacts_visits_intake_and_issues(
    client, staff, issue_x, enterprise_1, dept_a
):
    rt = make_roundtable(leading_department=dept_a)
    EnterpriseContact.objects.create(enterprise=enterprise_1, name="Ms Weber", phone="138-1")
    visit = meeting_services.service_visit_record(
        actor=staff, enterprises=[enterprise_1], starts_at=timezone.now(), topic="Plant tour"
    )
    meeting = make_meeting(
        rt, topic="Q4 roundtable", enterprises=[enterprise_1], status="intake_open"
    )
    meeting_services.intake_item_record(
        actor=staff, meeting=meeting, enterprise=enterprise_1, text="Customs delays"
    )
    client.force_login(staff)
    body = client.get(f"/enterprises/{enterprise_1.pk}/").content.decode()
    for text in ("Ms Weber", "Plant tour", "Q4 roundtable", "Customs delays", issue_x.reference):
        assert text in body
    assert f"/meetings/{visit.pk}/" in body
    assert timezone.localdate().isoformat() in body  # the last visit


@pytest.mark.parametrize(("who", "status"), [("staff", 200), ("chair", 200), ("liaison_a", 404),
                                             ("liaison_c", 404), ("head_a", 404), ("monitor", 404),
                                             ("admin_user", 404)])  # fmt: skip
def test_who_opens_an_enterprise_page(who, status, request, client, issue_x, enterprise_1):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/enterprises/{enterprise_1.pk}/").status_code == status


def test_the_designated_official_opens_their_enterprise_but_sees_only_readable_issues(
    client, issue_x, enterprise_1, enterprise_2
):
    official = factories.UserFactory(username="official")
    Enterprise.objects.filter(pk=enterprise_1.pk).update(designated_official=official)
    client.force_login(official)
    response = client.get(f"/enterprises/{enterprise_1.pk}/")
    assert response.status_code == 200
    assert issue_x.reference not in response.content.decode()
    assert client.get(f"/enterprises/{enterprise_2.pk}/").status_code == 404
    assert client.get(f"/enterprises/{enterprise_1.pk}/edit/").status_code == 403


# --- Designated officials -----------------------------------------------------------------


@pytest.fixture
def portfolio(db, staff, dept_a):
    rt = make_roundtable(leading_department=dept_a)
    official = factories.UserFactory(username="official", full_name="Official Chen")
    visited = factories.EnterpriseFactory(name_zh="最近走访企业", designated_official=official)
    overdue = factories.EnterpriseFactory(
        name_zh="久未走访企业", designated_official=official, visit_interval_days=30
    )
    never = factories.EnterpriseFactory(name_zh="从未走访企业", designated_official=official)
    Enterprise.objects.filter(pk__in=[overdue.pk, never.pk]).update(
        created_at=timezone.now() - timedelta(days=200)
    )
    meeting_services.service_visit_record(
        actor=staff, enterprises=[visited], starts_at=timezone.now() - timedelta(days=10), topic="v"
    )
    meeting_services.service_visit_record(
        actor=staff, enterprises=[overdue], starts_at=timezone.now() - timedelta(days=45), topic="v"
    )
    # A roundtable is not a visit.
    make_meeting(
        rt, enterprises=[never], starts_at=timezone.now() - timedelta(days=3), status="held"
    )
    return {"official": official, "visited": visited, "overdue": overdue, "never": never}


def test_an_official_sees_their_portfolio_with_visits_due(client, portfolio):
    client.force_login(portfolio["official"])
    response = client.get("/enterprises/portfolio/")
    assert response.status_code == 200
    rows = {e.name_zh: e for e in response.context["rows"]}
    today = timezone.localdate()
    assert rows["最近走访企业"].last_visit_day == today - timedelta(days=10)
    assert rows["最近走访企业"].next_visit == today + timedelta(days=80)
    assert rows["久未走访企业"].visit_overdue
    assert rows["从未走访企业"].last_visit_day is None and rows["从未走访企业"].visit_overdue
    assert response.context["due_count"] == 2
    assert "2 visits due" in response.content.decode()


def test_staff_see_every_portfolio_and_reassign(client, staff, portfolio):
    other = factories.UserFactory(username="other_official", full_name="Official Wang")
    client.force_login(staff)
    body = client.get("/enterprises/portfolios/").content.decode()
    assert "Official Chen" in body
    page = client.get("/enterprises/portfolio/", {"official": portfolio["official"].pk})
    assert len(page.context["rows"]) == 3
    response = client.post(
        "/enterprises/portfolios/reassign/",
        {
            "enterprises": [portfolio["overdue"].pk, portfolio["never"].pk],
            "official": other.pk,
            "next": f"/enterprises/portfolio/?official={portfolio['official'].pk}",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/portfolio/?official={portfolio['official'].pk}"
    assert set(Enterprise.objects.filter(designated_official=other)) == {
        portfolio["overdue"],
        portfolio["never"],
    }
    moved = Enterprise.objects.get(pk=portfolio["never"].pk)
    assert moved.history.first().history_user == staff
    assert moved.history.first().history_change_reason == "designated official reassigned"


def test_reassign_never_redirects_off_site(client, staff, portfolio):
    client.force_login(staff)
    response = client.post(
        "/enterprises/portfolios/reassign/",
        {"enterprises": [portfolio["never"].pk], "official": "", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/enterprises/portfolios/"
    assert Enterprise.objects.get(pk=portfolio["never"].pk).designated_official is None


@pytest.mark.parametrize("who", ["chair", "liaison_a", "monitor"])
def test_only_staff_reassign(who, request, client, portfolio):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        "/enterprises/portfolios/reassign/",
        {"enterprises": [portfolio["never"].pk], "official": ""},
    )
    assert response.status_code == 403
    assert Enterprise.objects.get(pk=portfolio["never"].pk).designated_official is not None


def test_a_liaison_cannot_read_someone_elses_portfolio(client, liaison_a, portfolio):
    client.force_login(liaison_a)
    assert (
        client.get("/enterprises/portfolio/", {"official": portfolio["official"].pk}).status_code
        == 403
    )
    assert client.get("/enterprises/portfolio/").status_code == 200


def test_the_autocomplete_still_answers_every_signed_in_user(client, liaison_c, enterprise_1):
    client.force_login(liaison_c)
    data = client.get("/autocomplete/enterprises/", {"q": "第一"}).json()
    assert [r["id"] for r in data["results"]] == [enterprise_1.pk]


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999999999", "0"])
def test_malformed_enterprise_ids_are_404(bad, client, staff):
    client.force_login(staff)
    assert client.get(f"/enterprises/{bad}/").status_code == 404


def test_reassign_refuses_get(client, staff):
    client.force_login(staff)
    assert client.get("/enterprises/portfolios/reassign/").status_code == 405
