"""The system's own timeline entries written before phrases (an assignment's departments, an
escalation, a recounted deadline, a closing's satisfaction, an extension's decision, in the
language of whoever caused them) become phrases, worded in each reader's language from now
on. Words that match no phrase stay as they are, and are shown as such."""

import re

from django.db import migrations

from roundtable.lib import phrase_migration as convert
from roundtable.lib import phrases

BATCH = 1000
DECIDED = re.compile(r"^(?P<decision>.+?): (?P<day>\d{4}-\d{2}-\d{2})(?: — (?P<note>.*))?$", re.S)


def _assigned(body, names, labels):
    parts = [part.strip() for part in body.split(", ")]
    if not all(part in names for part in parts):
        return None
    items = [names[part] for part in parts]
    return {"key": "timeline.assigned", "params": {"departments": {"t": "names", "items": items}}}


def _closed(body, names, labels):
    satisfaction, _sep, note = body.partition(" — ")
    if satisfaction not in labels["satisfaction"]:
        return None
    params = {"satisfaction": labels["satisfaction"][satisfaction], "note": note}
    return {"key": "timeline.closed_note" if note else "timeline.closed", "params": params}


def _decided(body, names, labels):
    found = DECIDED.match(body)
    if found is None or found["decision"] not in labels["decision"]:
        return None
    params = {
        "decision": labels["decision"][found["decision"]],
        "day": found["day"],
        "note": found["note"] or "",
    }
    key = "timeline.extension_decided_note" if found["note"] else "timeline.extension_decided"
    return {"key": key, "params": params}


def _escalated(body, names, labels):
    return phrases.parse(body, ["timeline.escalated"])


def _recounted(body, names, labels):
    return phrases.parse(body, ["timeline.recounted", "timeline.recount_unchanged"])


READERS = {
    "assigned": _assigned,
    "closed": _closed,
    "ext_decision": _decided,
    "escalated": _escalated,
    "deadline": _recounted,
}


def forwards(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Issue = apps.get_model("issues", "Issue")
    ExtensionRequest = apps.get_model("issues", "ExtensionRequest")
    ActionUpdate = apps.get_model("issues", "ActionUpdate")
    names = convert.name_index(Department.objects.values_list("name_zh", "name_en"))
    labels = {
        "satisfaction": convert.label_index(Issue._meta.get_field("satisfaction").choices),
        "decision": convert.label_index(ExtensionRequest._meta.get_field("status").choices),
    }
    rows = (
        ActionUpdate.objects.filter(kind__in=list(READERS), body_phrase__isnull=True)
        .exclude(body="")
        .only("pk", "kind", "body")
    )
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        row.body_phrase = READERS[row.kind](row.body, names, labels)
        if row.body_phrase is not None:
            changed.append(row)
        if len(changed) >= BATCH:
            ActionUpdate.objects.bulk_update(changed, ["body_phrase"])
            changed = []
    ActionUpdate.objects.bulk_update(changed, ["body_phrase"])


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0015_actionupdate_body_phrase"),
        ("departments", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
