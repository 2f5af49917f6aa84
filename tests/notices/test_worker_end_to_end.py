"""A real Celery worker delivers a sent notice, on the embedded default (SQLite, the
filesystem transport), as tests/reminders/test_worker_end_to_end.py does for reminders:
staff send the notice in one process, the worker (another) e-mails each contact once in
their language; the task delivered twice more sends nothing more."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.test_celery_worker import _env, _manage, _poll, _sqlite_query, _worker

pytestmark = pytest.mark.worker

SEED = """
from django.contrib.auth.models import Group
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib.uscc import check_character
from roundtable.notices import services

staff = User.objects.create(username="staff", email="staff@example.test")
staff.groups.add(Group.objects.get(name="commerce_staff"))
code = "91500103000000001"
enterprise = Enterprise.objects.create(name_zh="测试企业", credit_code=code + check_character(code),
                                       country="JP")
EnterpriseContact.objects.create(enterprise=enterprise, name="Sato", email="sato@example.test",
                                 preferred_language="ja")
EnterpriseContact.objects.create(enterprise=enterprise, name="Wang", email="wang@example.test",
                                 preferred_language="zh-hans")
notice = services.notice_create(actor=staff, data={
    "kind": "event", "title_zh": "投资说明会", "body_zh": "欢迎参加。",
    "title_en": "Investment briefing", "body_en": "You are welcome to attend.",
    "title_ja": "投資説明会のご案内", "body_ja": "ぜひご参加ください。",
    "title_ko": "", "body_ko": "", "target": "all",
    "target_industries": [], "target_countries": []})
services.notice_send(actor=staff, notice=notice)
"""


def _messages(folder: Path) -> list:
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def test_embedded_worker_delivers_a_sent_notice_once(tmp_path):
    db = tmp_path / "db.sqlite3"
    mail_dir = tmp_path / "mail"
    env = _env(
        tmp_path,
        SQLITE_PATH=str(db),
        EMAIL_HOST="",
        EMAIL_BACKEND="roundtable.lib.mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        LOG_LEVEL="INFO",
        # Beat's every-minute delivery run, every two seconds here.
        DELIVER_PENDING_EVERY_SECONDS="2",
    )
    _manage(env, "migrate", "--noinput")
    # Sending records the deliveries; beat's periodic run hands them to the worker.
    _manage(env, "shell", "-c", SEED)
    log = tmp_path / "worker.log"
    with _worker(env, log, "--beat") as proc:
        messages = _poll(
            "the notice e-mails",
            lambda: len(found := _messages(mail_dir)) >= 2 and found,
            proc,
            log,
        )
        by_address = {m["To"]: m for m in messages}
        assert (
            str(by_address["sato@example.test"]["Subject"]).strip().endswith("投資説明会のご案内")
        )
        body = by_address["wang@example.test"].get_body(("plain",)).get_content()
        assert "欢迎参加。" in body
        _poll(
            "the rows marked sent",
            lambda: (
                _sqlite_query(db, "SELECT status FROM notices_noticedelivery")
                == [("sent",), ("sent",)]
            ),
            proc,
            log,
        )
        code = (
            "from roundtable.notices.tasks import deliver_notices\n"
            "for _ in range(2): deliver_notices.delay()"
        )
        _manage(env, "shell", "-c", code, timeout=30)
        _poll(
            "the two redelivered runs",
            lambda: (
                log.read_text().count("deliver_notices") >= 6
                and log.read_text().count("0 claimed") >= 2
            ),
            proc,
            log,
        )
        assert len(_messages(mail_dir)) == 2
