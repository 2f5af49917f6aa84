"""The public concern form (/portal/concern/): a concern from someone without an account,
its challenge, its throttles, the e-mailed status link (a 128-bit token, stored hashed) and
the status page, in the language of the form."""

import re

import pytest
from django.core import mail, signing
from django.test import Client

from roundtable.lib import challenge
from roundtable.meetings.concern_receipts import concern_receipts_deliver
from roundtable.meetings.models import ConcernSender, IntakeItem
from roundtable.meetings.services import concerns as services
from tests.portal.helpers import parts, portal_link

pytestmark = pytest.mark.django_db

URL = "/portal/concern/"


def _solve(token: str) -> str:
    data = signing.loads(token, salt=challenge.SALT)
    return str(data["a"] + data["b"])


def _challenge_of(response) -> str:
    found = re.search(r'name="challenge" value="([^"]+)"', response.content.decode())
    assert found, "the form carries its question"
    return found.group(1)


def _form(client, **overrides):
    page = client.get(URL)
    assert page.status_code == 200
    token = _challenge_of(page)
    data = {
        "credit_code": "91350100M000100Y43",
        "company": "Sakura Trading (Chongqing) Co., Ltd.",
        "name": "Aiko Tanaka",
        "email": "aiko@example.com",
        "text": "Import licences for our parts take three months.",
        "challenge": token,
        "answer": _solve(token),
        "website": "",
    }
    data.update(overrides)
    return data


def _client(language="en", address="198.51.100.7"):
    client = Client(REMOTE_ADDR=address)
    client.cookies["roundtable_language"] = language
    return client


def test_a_concern_lands_unverified_in_the_queue_and_the_sender_gets_a_link_in_japanese():
    client = _client("ja")
    response = client.post(URL, _form(client))
    assert response.status_code == 302
    assert response["Location"] == "/portal/concern/sent/"
    item = IntakeItem.objects.get()
    assert (item.origin, item.verified, item.enterprise) == ("public", False, None)
    assert item.sender.email == "aiko@example.com" and item.sender.language == "ja"

    assert concern_receipts_deliver() == 1
    assert concern_receipts_deliver() == 0  # exactly once
    (message,) = mail.outbox
    subject, text, html = parts(message)
    assert "\n" not in subject
    assert "懸念" in subject or "受け付け" in subject or "受付" in subject
    link = portal_link(text, "/portal/concern/status/")
    assert link in html
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 22  # 16 random bytes or more
    sender = ConcernSender.objects.get()
    assert sender.token_hash == services.token_hash(token) and token not in sender.token_hash

    status = _client("ja").get(link)
    assert status.status_code == 200
    assert "Import licences for our parts" in status.content.decode()


def test_status_page_shows_the_staffs_answer(staff):
    client = _client()
    client.post(URL, _form(client))
    concern_receipts_deliver()
    link = portal_link(parts(mail.outbox[0])[1], "/portal/concern/status/")
    item = IntakeItem.objects.get()
    services.intake_item_answer(actor=staff, item=item, reason="The quota rule changed in May.")
    body = _client().get(link).content.decode()
    assert "The quota rule changed in May." in body
    assert "Answered" in body


def test_wrong_and_unknown_tokens_get_the_same_404_and_nothing_of_other_concerns():
    client = _client()
    client.post(URL, _form(client))
    client.post(URL, _form(client, email="other@example.com", text="Second concern text"))
    concern_receipts_deliver()
    first = portal_link(parts(mail.outbox[0])[1], "/portal/concern/status/")
    body = _client().get(first).content.decode()
    assert "Second concern text" not in body
    token = first.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (
        f"/portal/concern/status/{tampered}/",
        "/portal/concern/status/" + "A" * 22 + "/",
        "/portal/concern/status/short/",
    ):
        response = _client().get(path)
        assert response.status_code == 404
        assert "Import licences" not in response.content.decode()


def test_wrong_answer_keeps_what_was_typed_and_creates_nothing():
    client = _client()
    response = client.post(URL, _form(client, answer="999"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Import licences for our parts take three months." in body
    assert "not the right answer" in body
    assert not IntakeItem.objects.exists()


def test_a_solved_question_cannot_be_used_twice():
    client = _client()
    data = _form(client)
    assert client.post(URL, data).status_code == 302
    again = client.post(URL, {**data, "email": "second@example.com"})
    assert again.status_code == 400
    assert IntakeItem.objects.count() == 1


def test_a_forged_question_is_refused():
    client = _client()
    data = _form(client, challenge="forged-token", answer="4")
    assert client.post(URL, data).status_code == 400
    assert not IntakeItem.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
    ],
)
def test_credit_code_is_checked(code, message):
    client = _client()
    response = client.post(URL, _form(client, credit_code=code))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not IntakeItem.objects.exists()


def test_full_width_lowercase_credit_code_is_normalised():
    client = _client()
    assert (
        client.post(
            URL, _form(client, credit_code="９１３５０１００m０００１００y４３")
        ).status_code
        == 302
    )
    assert ConcernSender.objects.get().credit_code == "91350100M000100Y43"


def test_the_field_people_do_not_see_catches_scripts():
    client = _client()
    response = client.post(URL, _form(client, website="http://spam.example"))
    assert response.status_code == 302
    assert not IntakeItem.objects.exists()


def test_throttled_per_address(settings):
    settings.CONCERN_FORM_PER_ADDRESS = 2
    client = _client(address="203.0.113.9")
    for n in range(2):
        assert client.post(URL, _form(client, email=f"p{n}@example.com")).status_code == 302
    response = client.post(URL, _form(client, email="p3@example.com"))
    assert response.status_code == 429
    assert IntakeItem.objects.count() == 2
    # Another address is not held back, and staff pages are unaffected.
    other = _client(address="203.0.113.10")
    assert other.post(URL, _form(other, email="p4@example.com")).status_code == 302


def test_throttled_per_email_from_any_address(settings):
    settings.CONCERN_FORM_PER_EMAIL = 1
    first = _client(address="192.0.2.1")
    assert first.post(URL, _form(first)).status_code == 302
    second = _client(address="192.0.2.2")
    response = second.post(URL, _form(second))
    assert response.status_code == 429
    assert "Import licences for our parts" in response.content.decode()
    assert IntakeItem.objects.count() == 1


def test_the_form_needs_no_script_and_has_csrf():
    body = _client().get(URL).content.decode()
    assert "<script>" not in body and " onload=" not in body
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(URL, {"text": "x"}).status_code == 403


def test_receipt_failure_is_retried_later(monkeypatch):
    client = _client()
    client.post(URL, _form(client))

    def refuse(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert concern_receipts_deliver() == 0
    sender = ConcernSender.objects.get()
    assert sender.receipt_tries == 1 and "refused" in sender.receipt_error
    monkeypatch.undo()
    assert concern_receipts_deliver() == 1
    assert len(mail.outbox) == 1


def test_form_in_korean_and_chinese():
    korean = _client("ko").get(URL).content.decode()
    assert "통일사회신용코드" in korean and "더하기" in korean
    body = _client("zh-hans").get(URL).content.decode()
    assert "统一社会信用代码" in body and "加" in body


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Raise a concern"),
        ("ja", "公開フォーム"),
        ("ko", "공개 양식"),
        ("zh-hans", "公开诉求表"),
    ],
)
def test_the_sign_in_page_links_the_public_form_in_the_visitors_language(
    client, settings, language, words
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/accounts/login/").content.decode()
    found = re.search(r'<p[^>]*id="public-concern"[^>]*>(.*?)</p>', page, re.S)
    assert found and f'href="{URL}"' in found.group(1)
    assert words in found.group(1)
    assert client.get(URL).status_code == 200
