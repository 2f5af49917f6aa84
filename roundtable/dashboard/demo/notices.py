"""The demo's policy notices (content/notices.toml): written and sent by the demo's commerce
staff through ``roundtable.notices.services``, so each sent notice has its delivery rows; the
worker that ``make run`` starts e-mails them (into var/mail/) and puts them in the contacts'
portal inboxes. The last one stays a draft, to show the preview."""

from __future__ import annotations

from datetime import timedelta

from roundtable.dashboard.demo import content as c
from roundtable.enterprises.models import Association
from roundtable.notices import services
from roundtable.notices.models import Notice

VERSION_FIELDS = [f"{part}_{s}" for s in ("zh", "en", "ja", "ko") for part in ("title", "body")]


def build_notices(loader) -> None:
    staff = loader.users["staff"]
    for spec in c.NOTICES:
        data = {name: spec.get(name, "").strip() for name in VERSION_FIELDS}
        data.update(
            kind=spec["kind"],
            target=spec["target"],
            target_industries=spec.get("industries", []),
            target_countries=spec.get("countries", []),
        )
        associations = list(Association.objects.filter(name_zh=spec.get("association", "")))
        notice = services.notice_create(actor=staff, data=data, associations=associations)
        days = spec.get("sent_days_ago")
        if days is None:
            continue
        try:
            services.notice_send(actor=staff, notice=notice)
        except services.NoticeRefused:
            continue  # no contact in the target: it stays a draft
        sent_at = loader.stamp(loader.today - timedelta(days=days))
        Notice.objects.filter(pk=notice.pk).update(
            sent_at=sent_at, created_at=sent_at - timedelta(hours=3)
        )
    loader.counts["notices"] = Notice.objects.count()
