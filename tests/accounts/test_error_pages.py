"""Every error answer is the portal's own page, in the reader's language: 400 (a session that
could not be saved, a refused header), 403, the CSRF failure, 404, 405, 413, 429 and 500,
the last with the database down."""

import html
import re
from unittest import mock

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.security.headers import assert_security_headers

pytestmark = pytest.mark.django_db

STATUS_URLS = pytest.mark.urls("tests.accounts.status_urls")


@pytest.fixture
def reader(db):
    """A commerce staff member who reads the portal in Chinese, on an English browser."""
    return factories.UserFactory(
        username="zh_staff", roles=["commerce_staff"], preferred_language="zh-hans"
    )


def _client(user=None, **kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    body = html.unescape(response.content.decode())
    assert re.search(r"<h1>\s*" + re.escape(heading), body), body[:600]
    assert f'<span class="status-code">{status}</span>' in body
    assert "Traceback" not in body and "secret detail" not in body
    assert_security_headers(response)
    return body


@STATUS_URLS
def test_400_when_the_session_cannot_be_saved(reader):
    client = _client(reader)
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save", side_effect=UpdateError
    ):
        response = client.get("/test/touch-session/")
    body = _page(response, 400, "无法完成此请求")
    assert '<html lang="zh-hans">' in body
    assert "Bad Request" not in body


def test_400_for_a_refused_host_header(reader):
    response = _client(reader).get("/", HTTP_HOST="evil.example")
    _page(response, 400, "无法完成此请求")


def test_403_for_a_role_without_access(db):
    outsider = factories.UserFactory(username="outsider", preferred_language="zh-hans")
    _page(_client(outsider).get(reverse("issues:ledger")), 403, "无权执行此操作")


def test_403_for_a_failed_csrf_check(reader):
    client = _client(reader, enforce_csrf_checks=True)
    response = client.post(reverse("accounts:set_language"), {"language": "en"})
    _page(response, 403, "此表单已过期")


def test_404(reader):
    _page(_client(reader).get("/no-such-page/"), 404, "页面不存在")


def test_405_keeps_the_allow_header(reader, issue_x):
    response = _client(reader).get(reverse("issues:close", args=[issue_x.pk]))
    body = _page(response, 405, "此地址不能这样打开")
    assert response["Allow"] == "POST"
    assert 'id="sign-out"' in body  # inside the portal's layout, signed in


def test_405_for_an_anonymous_reader_follows_the_browser():
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("accounts:logout"))
    _page(response, 405, "此地址不能这样打开")


def test_413_is_in_the_signed_in_users_language(reader, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = _client(reader).generic(
        "POST",
        reverse("issues:new"),
        data=b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 4096),
        content_type="multipart/form-data; boundary=zzz",
    )
    _page(response, 413, "上传的文件过大")


def test_429_follows_the_browsers_language(reader, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    # The lock is a username tried from one address.
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"),
            {"username": "zh_staff", "password": "wrong"},
            REMOTE_ADDR="10.9.0.1",
        )
    response = client.post(
        reverse("accounts:login"),
        {"username": "zh_staff", "password": "wrong"},
        REMOTE_ADDR="10.9.0.1",
    )
    _page(response, 429, "登录已暂停")


@STATUS_URLS
def test_500_for_a_view_that_fails(reader):
    response = _client(reader, raise_request_exception=False).get("/test/boom/")
    body = _page(response, 500, "系统出错")
    assert '<html lang="zh-hans">' in body


def test_500_renders_with_the_database_down(reader, settings):
    # The user's own preference is in the database: the language cookie stands in for it.
    client = _client(reader, raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    queries = []

    def outage(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(outage):
        response = client.get(reverse("issues:ledger"))
    assert queries  # the page really needed the database
    body = _page(response, 500, "系统出错")
    assert '<html lang="zh-hans">' in body
