"""roundtable/lib/params.py and the fields built on it: what parses and what is refused.

The walk in tests/security/test_hostile_input.py checks that no URL answers 5xx; these say
what the answer is for each kind of value."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import BadRequest, ValidationError
from django.http import QueryDict

from departments.models import Department
from roundtable.lib import params
from roundtable.lib.forms import ModelMultipleChoiceField
from tests import factories

HOSTILE_NUMBERS = ["²", "٣", "１２", "-1", "1e9", "1.0", " 12", "", str(2**63), "9" * 5000]


@pytest.mark.parametrize("text", HOSTILE_NUMBERS)
def test_an_id_is_ascii_digits_within_the_64_bit_range(text):
    assert params.parse_id(text) is None
    assert params.parse_id("1") == 1
    assert params.parse_id(str(2**63 - 1)) == 2**63 - 1
    assert params.parse_id("0") is None


def test_a_bounded_integer_refuses_values_outside_its_range():
    assert params.parse_int("999", min_value=1, max_value=999) == 999
    assert params.parse_int("1000", min_value=1, max_value=999) is None
    assert params.parse_int("0", min_value=1, max_value=999) is None
    assert params.parse_int("007", min_value=1, max_value=999) == 7


def _query(key, *values):
    data = QueryDict(mutable=True)
    data.setlist(key, list(values))
    return data


@pytest.mark.parametrize("text", ["²", "٣", "-1", "1e9", str(2**63), "a\x00b", "x" * 5000])
def test_a_malformed_id_in_a_request_is_a_bad_request(text):
    with pytest.raises(BadRequest):
        params.get_id(_query("department", text), "department")
    with pytest.raises(BadRequest):
        params.get_ids(_query("issue", "1", text), "issue")


def test_an_absent_or_blank_id_is_none_and_repeated_ids_are_all_read():
    assert params.get_id(QueryDict(""), "department") is None
    assert params.get_id(QueryDict("department="), "department") is None
    assert params.get_ids(QueryDict("issue=3&issue=&issue=5"), "issue") == [3, 5]


def test_text_with_a_nul_byte_is_a_bad_request():
    assert params.get_text(QueryDict("next=/issues/"), "next") == "/issues/"
    with pytest.raises(BadRequest):
        params.get_text(QueryDict("next=/issues/%00"), "next")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["²", "1e9", str(2**63), "9" * 5000, "a\x00b"])
def test_a_multiple_choice_of_rows_refuses_an_impossible_id_as_a_form_error(text):
    """Django's own field lets 2**63 through to ``pk__in``, and SQLite raises OverflowError."""
    department = factories.DepartmentFactory()
    field = ModelMultipleChoiceField(queryset=Department.objects.all())
    assert list(field.clean([str(department.pk)])) == [department]
    with pytest.raises(ValidationError):
        field.clean([str(department.pk), text])


@pytest.mark.django_db
def test_a_nul_byte_in_the_address_is_a_bad_request_on_every_page(client, staff):
    client.force_login(staff)
    for url in ("/autocomplete/enterprises/?q=a%00b", "/issues/?q=%00", "/admin/?q=%00", "/%00/"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "The request could not be completed" in response.content.decode()


ROOT = Path(__file__).resolve().parent.parent
# Parsing a request's numbers by hand: "²".isdigit() is true and int("²") raises.
HAND_PARSING = re.compile(
    r"\.is(digit|decimal|numeric)\(|int\(request\.(GET|POST)|forms\.ModelMultipleChoiceField\("
)


def test_no_code_parses_request_numbers_by_hand():
    """Every id a view reads goes through roundtable/lib/params.py or a form, and every
    multiple choice of rows through roundtable.lib.forms.ModelMultipleChoiceField."""
    offenders = []
    for package in ("issues", "roundtable", "departments"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.parent.name == "lib":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if HAND_PARSING.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
