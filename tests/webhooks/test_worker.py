"""The embedded default (SQLite, the filesystem transport, ``worker -B``) delivers a webhook:
the reminder run announces the overdue issue, the worker sends it to a real receiver on
127.0.0.1, and the same run delivered twice more sends nothing more."""

import re

import pytest

from tests.reminders.test_worker_end_to_end import DAY, SEED
from tests.test_celery_worker import _env, _manage, _poll, _sqlite_query, _worker
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.worker

ENDPOINT = """
from roundtable.webhooks.models import Endpoint
Endpoint.objects.create(name="Hotline", url="URL", secret="whsec_worker", events=["issue.overdue"])
"""


def test_embedded_worker_delivers_an_overdue_issue_once(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = _env(
        tmp_path,
        SQLITE_PATH=str(db),
        WEBHOOKS_ALLOW_LOOPBACK="1",
        LOG_LEVEL="INFO",
        # Beat's every-minute sweep of due deliveries, every two seconds here.
        WEBHOOKS_EVERY_SECONDS="2",
    )
    with Receiver() as receiver:
        receiver.secret = "whsec_worker"
        _manage(env, "migrate", "--noinput")
        _manage(env, "shell", "-c", SEED + ENDPOINT.replace("URL", receiver.url))
        log = tmp_path / "worker.log"
        with _worker(env, log, "--beat") as proc:
            _poll("the webhook", lambda: receiver.requests, proc, log)
            code = (
                "from roundtable.notifications.tasks import send_reminders\n"
                f"for _ in range(2): send_reminders.apply_async(kwargs={{'day': '{DAY}'}})"
            )
            _manage(env, "shell", "-c", code, timeout=30)
            _poll(
                "the two redelivered runs",
                lambda: (
                    len(re.findall(r"send_reminders\[[^\]]+\] succeeded", log.read_text())) >= 3
                ),
                proc,
                log,
            )
            _poll(
                "the delivery recorded",
                lambda: (
                    _sqlite_query(
                        db, "SELECT status, attempts, response_status FROM webhooks_delivery"
                    )
                    == [("delivered", 1, 200)]
                ),
                proc,
                log,
            )
    (request,) = receiver.requests
    assert request["signed"]
    assert request["body"]["event"] == "issue.overdue"
    assert request["body"]["issue"]["reference"] == "RT-2026-00001"
