"""The embedded default writes e-mail to var/mail/, one .eml file per message (README)."""

import email
from datetime import date
from email import policy

import pytest
from django.core import mail

from tests.reminders.conftest import make_issue, run


def _read(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_three_messages_over_one_connection_are_three_files(settings, tmp_path):
    settings.EMAIL_BACKEND = "roundtable.lib.mail.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    messages = []
    for n in range(3):
        message = mail.EmailMultiAlternatives(
            subject=f"Reminder {n} · 提醒 {n}",
            body=f"Plain text {n}",
            from_email="roundtable@localhost",
            to=[f"person{n}@example.gov.cn"],
        )
        message.attach_alternative(f"<p>HTML {n}</p>", "text/html")
        messages.append(message)

    with mail.get_connection() as connection:
        assert connection.send_messages(messages) == 3

    files = sorted((tmp_path / "mail").iterdir())
    assert [f.suffix for f in files] == [".eml"] * 3
    parsed = sorted((_read(f) for f in files), key=lambda m: str(m["To"]))
    for n, message in enumerate(parsed):
        assert str(message["To"]) == f"person{n}@example.gov.cn"
        assert str(message["Subject"]) == f"Reminder {n} · 提醒 {n}"
        assert message.get_body(("plain",)).get_content().strip() == f"Plain text {n}"
        assert message.get_body(("html",)).get_content().strip() == f"<p>HTML {n}</p>"
    # Named by time and Message-ID: distinct, and the ID is the message's own.
    assert len({f.name for f in files}) == 3
    for path in files:
        assert _read(path)["Message-ID"].strip("<>").split("@")[0] in path.name


@pytest.mark.django_db
def test_a_reminder_run_leaves_one_file_per_recipient(people, settings, tmp_path):
    settings.EMAIL_BACKEND = "roundtable.lib.mail.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )
    run(date(2026, 10, 16))  # overdue: the responsible person, the head, the monitor

    files = sorted((tmp_path / "mail").glob("*.eml"))
    recipients = sorted(str(_read(f)["To"]) for f in files)
    assert recipients == sorted(people[k].email for k in ("RA", "HA", "Mo"))
