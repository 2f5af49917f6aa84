"""Helpers for the account tests: signing in through the real form, reading the links that
the outbox's e-mails carry, running the every-minute delivery."""

import html
import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from roundtable.accounts.models import UserSession
from roundtable.notifications import delivery
from roundtable.notifications.models import ReminderLog
from tests.conftest import PASSWORD

NEW_PASSWORD = "Tq8#lanterns-river"


def sign_in(username, password=PASSWORD, *, client=None, ip="127.0.0.1"):
    """A new client (or ``client``) signed in through the sign-in form."""
    client = client or Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302, response.status_code
    return client


def is_signed_in(client) -> bool:
    """Whether the client's next page is a signed-in page (not the login redirect)."""
    response = client.get(reverse("dashboard:home"))
    return response.status_code == 200


def sessions_of(user) -> set[str]:
    return set(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))


def deliver():
    """The every-minute delivery task's work, as the worker runs it."""
    return delivery.reminders_deliver_pending()


def outbox_rows(kind=None):
    qs = ReminderLog.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("pk"))


def link_in(message, path_start: str) -> str:
    """The path of the first link in ``message``'s text part that starts with
    ``path_start`` (the site part is SITE_URL)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_start) + r"\S+)", message.body)
    assert match, message.body
    return match.group(1)


def html_part(message) -> str:
    (content, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return content


def text(response) -> str:
    return html.unescape(response.content.decode())


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]
