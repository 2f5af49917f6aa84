"""Helpers for the enterprise side's tests: e-mails read back with Python's ``email``
package, as a mail program would."""

import email
import re
from email import policy

from django.core import mail


def parsed(message) -> email.message.EmailMessage:
    """``message`` (Django's) as the bytes that go out, parsed back."""
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def parts(message) -> tuple[str, str, str]:
    """Subject, text part and HTML part of an outgoing message, decoded."""
    parsed_message = parsed(message)
    text = parsed_message.get_body(preferencelist=("plain",)).get_content()
    html = parsed_message.get_body(preferencelist=("html",)).get_content()
    # A long encoded subject is folded after "Subject:"; the unfolded value starts with a space.
    return str(parsed_message["Subject"]).strip(), text, html


def portal_link(text: str, path_start: str = "/portal/") -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_start) + r"[^\s\"<]*)", text)
    assert match, text
    return match.group(1)


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]
