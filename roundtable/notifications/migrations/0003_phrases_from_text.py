"""Notices and reminder reasons written before phrases (their words in the language of whoever
caused them) become phrases, worded in each reader's language from now on. Words that match no
phrase stay as they are, and are shown as such."""

from django.db import migrations

from roundtable.lib import phrase_migration as convert

BATCH = 1000


def forwards(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    ExtensionRequest = apps.get_model("issues", "ExtensionRequest")
    Notification = apps.get_model("notifications", "Notification")
    ReminderLog = apps.get_model("notifications", "ReminderLog")
    names = convert.name_index(Department.objects.values_list("name_zh", "name_en"))
    labels = convert.label_index(ExtensionRequest._meta.get_field("status").choices)

    reasons = {}

    def reason(text):
        if text not in reasons:
            reasons[text] = convert.reason(text, names)
        return reasons[text]

    for text in (
        ReminderLog.objects.filter(reason_phrase__isnull=True)
        .exclude(reason="")
        .values_list("reason", flat=True)
        .distinct()
    ):
        data = reason(text)
        if data is not None:
            ReminderLog.objects.filter(reason=text, reason_phrase__isnull=True).update(
                reason_phrase=data
            )

    changed = []
    rows = Notification.objects.filter(title_phrase__isnull=True).only("pk", "title", "reason")
    for row in rows.iterator(chunk_size=BATCH):
        row.title_phrase = convert.notice_title(row.title, names, labels)
        row.reason_phrase = reason(row.reason) if row.reason else None
        if row.title_phrase is not None or row.reason_phrase is not None:
            changed.append(row)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["title_phrase", "reason_phrase"])
            changed = []
    Notification.objects.bulk_update(changed, ["title_phrase", "reason_phrase"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_phrases"),
        ("departments", "0001_initial"),
        ("issues", "0015_actionupdate_body_phrase"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
