import pytest

from tests.meetings.helpers import make_roundtable


@pytest.fixture
def roundtable(dept_a):
    return make_roundtable(leading_department=dept_a)
