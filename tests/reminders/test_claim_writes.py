"""How the daily run writes its tens of thousands of rows (issue 15): ``lib.rows.RowWriter``
(COPY on PostgreSQL, multi-row INSERTs elsewhere) keeps a row whose unique key is taken out,
stores JSON phrases as JSON, and leaves nothing behind when it fails; and a message's rows
are settled without reading every row the run claimed."""

import json
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roundtable.lib.phrases import Phrase
from roundtable.lib.rows import RowWriter
from roundtable.notifications import delivery
from roundtable.notifications.models import ReminderLog
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2026, 10, 16)
COLUMNS = delivery.LOG_COLUMNS


def _row(n: int, recipient_id: int, token: str = "t" * 32, **overrides):
    values = dict(
        kind="overdue",
        subject_key=f"issue:{n}",
        issue_id=None,
        meeting_id=None,
        recipient_id=recipient_id,
        due_on=DAY,
        status="claimed",
        reason=f"reason {n}",
        reason_phrase=Phrase("why.overdue.monitor").data,
        attempts=0,
        claimed_at=timezone.now(),
        claim_token=token,
        next_try_at=None,
        sent_at=None,
        error="",
    )
    values.update(overrides)
    return tuple(values[c] for c in COLUMNS)


def test_rows_whose_key_is_taken_are_skipped_and_the_others_written_with_their_json():
    user = factories.UserFactory()
    writer = RowWriter(ReminderLog, COLUMNS, ignore_conflicts=True)
    writer.write([_row(n, user.pk) for n in range(3)])
    # Rows 1 and 2 again (another run got there first), with other reasons, and row 3 new.
    writer.write([_row(n, user.pk, reason="second run") for n in (1, 2, 3)])

    rows = {r.subject_key: r for r in ReminderLog.objects.all()}
    assert sorted(rows) == ["issue:0", "issue:1", "issue:2", "issue:3"]
    assert rows["issue:1"].reason == "reason 1"
    assert rows["issue:3"].reason == "second run"
    assert rows["issue:0"].reason_phrase == {"key": "why.overdue.monitor", "params": {}}
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_phrase FROM issues_reminderlog WHERE subject_key = 'issue:3'")
        stored = cursor.fetchone()[0]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["key"] == "why.overdue.monitor"  # JSON, not a quoted string


def test_without_ignore_conflicts_a_taken_key_fails_and_writes_nothing():
    user = factories.UserFactory()
    RowWriter(ReminderLog, COLUMNS).write([_row(0, user.pk)])
    with pytest.raises(IntegrityError), transaction.atomic():
        RowWriter(ReminderLog, COLUMNS).write([_row(5, user.pk), _row(0, user.pk)])
    assert ReminderLog.objects.count() == 1


def test_a_failed_write_leaves_the_connection_usable_and_no_staging_table():
    user = factories.UserFactory()
    writer = RowWriter(ReminderLog, COLUMNS, ignore_conflicts=True)
    bad = [_row(0, user.pk), _row(1, None)]  # no recipient: NOT NULL
    if connection.vendor == "sqlite":
        # INSERT OR IGNORE skips a row that breaks any constraint, as bulk_create does.
        writer.write(bad)
        assert list(ReminderLog.objects.values_list("subject_key", flat=True)) == ["issue:0"]
        return
    with pytest.raises(IntegrityError), transaction.atomic():
        writer.write(bad)
    assert ReminderLog.objects.count() == 0
    writer.write([_row(2, user.pk)])
    assert ReminderLog.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'rows\\_%%' AND relpersistence = 't'"
        )
        assert cursor.fetchone()[0] == 0


def test_settling_one_message_reads_its_recipients_rows_not_the_whole_run():
    """A run claims every row with one token, and PostgreSQL takes a token it has no
    statistics for as rare: it read the rows of a message through the claim index, that is
    every row of the run for each message (50,000 at 100,000 issues, 20 ms a message). The
    index names the recipient too (``reminder_claimed``), and ``delivery._update`` does."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the plan of PostgreSQL's planner is what is checked")
    people = [factories.UserFactory() for _ in range(20)]
    token = "r" * 32
    RowWriter(ReminderLog, COLUMNS).write([_row(n, people[n % 20].pk, token) for n in range(4000)])
    mine = list(ReminderLog.objects.filter(recipient=people[7], claim_token=token))
    assert len(mine) == 200

    for row in mine:
        row._uncertain = False
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        assert delivery._update(mine, error="settled") == 200
        transaction.set_rollback(True)
    [update] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {update}")
        explained = cursor.fetchone()[0]
        transaction.set_rollback(True)
    explained = json.loads(explained) if isinstance(explained, str) else explained
    plan = explained[0]["Plan"]

    def scanned(node) -> int:
        rows = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        if "Scan" not in node["Node Type"]:
            rows = 0
        return rows + sum(scanned(child) for child in node.get("Plans", []))

    assert scanned(plan) <= 2 * len(mine), plan
    # And the update settles exactly that message's rows.
    assert delivery._update(mine, error="settled") == 200
    assert ReminderLog.objects.filter(error="settled").count() == 200
