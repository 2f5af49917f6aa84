"""Shared fixtures: the role personas of SECURITY.md §1.

Issue X has lead department A and co-handler B; department C is unrelated; enterprise E1
raised X and E2 did not.
"""

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import DepartmentMembership
from tests import factories

# Playwright's sync API keeps an event loop on the main thread; Django would otherwise refuse
# ORM calls from test bodies that also drive the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "roundtable-demo"

# One Playwright session for the whole run: a second one in the same process would fail.
pytest_plugins = ["tests.browser"]

# ROUNDTABLE_TEST_TODAY=YYYY-MM-DD runs the tests as if today were that day, 10:00 Beijing
# time, with the clock ticking from there: the way to find a test that passes only on some days.
# YYYY-MM-DDTHH:MM picks the time too (00:30 is still the day before in UTC).
TEST_TODAY_VARIABLE = "ROUNDTABLE_TEST_TODAY"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def faked_now() -> datetime | None:
    """The moment named by ROUNDTABLE_TEST_TODAY in Asia/Shanghai, or None when it is not set."""
    value = os.environ.get(TEST_TODAY_VARIABLE, "").strip()
    if not value:
        return None
    try:
        if len(value) == len("YYYY-MM-DD"):
            return datetime.combine(date.fromisoformat(value), time(10), tzinfo=SHANGHAI)
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise pytest.UsageError(
            f"{TEST_TODAY_VARIABLE}={value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None


@pytest.fixture(autouse=True, scope="session")
def _faked_today():
    moment = faked_now()
    if moment is None:
        yield None
        return
    with time_machine.travel(moment, tick=True):
        yield moment


def pytest_configure(config):
    faked_now()  # a value that is not a day stops the run before it starts


def pytest_report_header(config):
    moment = faked_now()
    if moment is not None:
        return f"{TEST_TODAY_VARIABLE}: the clock starts at {moment:%Y-%m-%d %H:%M} Asia/Shanghai"


_CELERY_BASELINE: dict[str, set] = {}


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Fast hashing: the tests create many users; production keeps Django's PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The dashboard recomputes a figure at every change of its issues; tests/dashboard/
    # test_cache.py checks the production default's window (DASHBOARD_FRESH_SECONDS) itself.
    settings.DASHBOARD_FRESH_SECONDS = 0
    # Pages link the plain static names, served from static/ as they are now, whatever a
    # collectstatic into var/staticfiles/ left there (its manifest would lack newer files).
    # tests/test_deploy.py checks the hashed names and their caching after a collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    from django.core.cache import cache

    from roundtable.celery import app
    from roundtable.ops import health
    from roundtable.workdays import services as workdays

    cache.clear()
    workdays.clear_cache()
    health.forget()
    # The Celery app reads the CELERY_ settings live, but a test may also write to app.conf,
    # whose own layer outlives the settings fixture: monkeypatch restores the value it read,
    # which is the test's own when the test changed the setting first, and it does so after
    # this fixture's teardown. So each test starts from the layer as the first test found it.
    app.conf.task_always_eager  # noqa: B018 - reading it loads the configuration
    _CELERY_BASELINE.setdefault("keys", set(app.conf.changes))
    for key in set(app.conf.changes) - _CELERY_BASELINE["keys"]:
        del app.conf.changes[key]
    yield
    workdays.clear_cache()
    health.forget()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test empties every table when it ends, including the rows that data
    migrations made (the role groups, the official working-day calendar). Put them back before
    each test, so that the tests pass in any order."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    request.getfixturevalue("transactional_db" if transactional else "db")

    from django.contrib.auth.models import Group

    from roundtable.accounts.models import Role
    from roundtable.workdays import services as workdays
    from roundtable.workdays.models import CalendarDay, CalendarYear
    from roundtable.workdays.seed import seed_from_package

    for name in Role.values:
        Group.objects.get_or_create(name=name)
    if not CalendarYear.objects.exists():
        seed_from_package(CalendarYear, CalendarDay)
        workdays.clear_cache()


@pytest.fixture
def dept_a(db):
    return factories.DepartmentFactory(code="dept-a", name_en="Department A", name_zh="甲局")


@pytest.fixture
def dept_b(db):
    return factories.DepartmentFactory(code="dept-b", name_en="Department B", name_zh="乙局")


@pytest.fixture
def dept_c(db):
    return factories.DepartmentFactory(code="dept-c", name_en="Department C", name_zh="丙局")


def _member(username, department, role):
    user = factories.UserFactory(username=username)
    factories.MembershipFactory(user=user, department=department, role=role)
    return user


@pytest.fixture
def liaison_a(dept_a):
    return _member("liaison_a", dept_a, DepartmentMembership.Role.LIAISON)


@pytest.fixture
def liaison_b(dept_b):
    return _member("liaison_b", dept_b, DepartmentMembership.Role.LIAISON)


@pytest.fixture
def liaison_c(dept_c):
    return _member("liaison_c", dept_c, DepartmentMembership.Role.LIAISON)


@pytest.fixture
def head_a(dept_a):
    return _member("head_a", dept_a, DepartmentMembership.Role.HEAD)


@pytest.fixture
def monitor(db):
    return factories.UserFactory(username="monitor")


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="staff", roles=["commerce_staff"])


@pytest.fixture
def chair(db):
    return factories.UserFactory(username="chair", roles=["chair"])


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", roles=["administrator"], is_staff=True)


@pytest.fixture
def enterprise_1(db):
    return factories.EnterpriseFactory(name_en="Enterprise One", name_zh="第一企业有限公司")


@pytest.fixture
def enterprise_2(db):
    return factories.EnterpriseFactory(name_en="Enterprise Two", name_zh="第二企业有限公司")


@pytest.fixture
def issue_x(dept_a, dept_b, enterprise_1, monitor):
    """Issue X: lead A, co-handler B, raised by E1, watched by the monitor."""
    issue = factories.IssueFactory(
        title="Land-use permit delayed 用地审批",
        enterprise=enterprise_1,
        monitor=monitor,
        status="assigned",
    )
    factories.AssignmentFactory(issue=issue, department=dept_a, role="lead")
    factories.AssignmentFactory(issue=issue, department=dept_b, role="co")
    return issue


@pytest.fixture
def contact_personas(enterprise_1, enterprise_2):
    """Enterprise contacts for the access matrix and the portal's tests: C1 represents E1,
    C2 only E2, and Cx's link to E1 ended yesterday (2026-09-28: the matrix's clock)."""
    return {
        "C1": factories.make_contact(enterprise_1, username="contact_1"),
        "C2": factories.make_contact(enterprise_2, username="contact_2"),
        "Cx": factories.make_contact(
            enterprise_1, username="contact_ended", ended_on=date(2026, 9, 28)
        ),
    }


@pytest.fixture
def personas(liaison_a, liaison_b, liaison_c, head_a, monitor, staff, chair, admin_user):
    return {
        "LA": liaison_a,
        "LB": liaison_b,
        "LC": liaison_c,
        "HA": head_a,
        "Mo": monitor,
        "St": staff,
        "Ch": chair,
        "Ad": admin_user,
    }
