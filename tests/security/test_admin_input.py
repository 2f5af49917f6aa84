"""The admin's own ways to 500 on a malformed id (roundtable/lib/admin.py), each answered with
the admin's usual refusal. The walk (test_hostile_input.py) finds most of these; the change
list's lookups are built from whatever the query string says, so they are named here."""

import pytest

from departments.models import DepartmentMembership
from tests import factories

pytestmark = pytest.mark.django_db

OVERFLOW = str(2**63)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "raised_on__year=99999999999999999999",  # date_hierarchy: datetime() overflows
        f"id__in=1,{OVERFLOW}",  # SQLite raises OverflowError; PostgreSQL compares
        "id__in=²",
        "raised_on__gte=²",
    ],
)
def test_a_change_list_lookup_that_cannot_be_a_value_shows_the_list_unfiltered(admin_client, query):
    response = admin_client.get(f"/admin/issues/issue/?{query}")
    if response.status_code == 200:  # a lookup the database could answer: no row has that id
        assert "0 issues" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == "/admin/issues/issue/?e=1"


@pytest.mark.parametrize("selected", ["²", OVERFLOW, "a\x00b"])
def test_a_bulk_action_on_ids_that_cannot_be_ids_is_a_bad_request(admin_client, selected):
    category = factories.CategoryFactory()
    response = admin_client.post(
        "/admin/issues/category/",
        {"action": "delete_selected", "_selected_action": [str(category.pk), selected], "index": 0},
    )
    assert response.status_code == 400
    assert category.__class__.objects.filter(pk=category.pk).exists()


@pytest.mark.parametrize("object_id", ["²", "1e9", OVERFLOW, "x" * 300])
def test_the_history_of_an_object_that_cannot_exist_is_not_found(admin_client, object_id):
    assert admin_client.get(f"/admin/issues/category/{object_id}/history/").status_code == 404
    assert admin_client.get(f"/admin/issues/category/{object_id}/history/1/").status_code == 404
    category = factories.CategoryFactory()
    assert (
        admin_client.get(f"/admin/issues/category/{category.pk}/history/{object_id}/").status_code
        == 404
    )


@pytest.mark.parametrize("value", ["²", OVERFLOW])
def test_a_related_row_that_cannot_exist_is_a_form_error_that_keeps_the_other_fields(
    admin_client, value, dept_a
):
    """The autocomplete select (a foreign key) and a many-to-many field (a group's
    permissions) both looked the posted value up before the form could refuse it."""
    response = admin_client.post(
        "/admin/departments/departmentmembership/add/",
        {"user": value, "department": dept_a.pk, "role": "liaison", "office_phone": "023-1234"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    assert "023-1234" in response.content.decode()
    assert not DepartmentMembership.objects.exists()
    response = admin_client.post("/admin/auth/group/add/", {"name": "G", "permissions": [value]})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["permissions"]
