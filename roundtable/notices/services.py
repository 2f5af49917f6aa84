"""Every change of a notice: writing and editing a draft, its files, sending it, and a
reader marking it read. Each function takes the acting user, checks the rule, writes inside
``transaction.atomic`` and records history (django-simple-history) naming who and why.

Sending only writes the delivery rows (one per person, ``selectors.recipients``): a request
never talks to the broker; beat's periodic run (``tasks.py``) and ``delivery.py`` do the rest.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.attachments import extension, validate_upload
from roundtable.notices import access, selectors
from roundtable.notices.models import Notice, NoticeAttachment, NoticeDelivery

NOTICE_FIELDS = (
    "kind",
    "title_zh",
    "body_zh",
    "title_en",
    "body_en",
    "title_ja",
    "body_ja",
    "title_ko",
    "body_ko",
    "target",
    "target_industries",
    "target_countries",
)


class NoticeRefused(Exception):
    """The step is not allowed in the notice's state (already sent, nothing to send to);
    the message is fit for the user."""


def _set_target_lists(notice: Notice, *, associations, enterprises) -> None:
    target = notice.target
    if target != Notice.Target.INDUSTRY:
        notice.target_industries = []
    if target != Notice.Target.COUNTRY:
        notice.target_countries = []
    notice.save()
    notice.target_associations.set(associations if target == Notice.Target.ASSOCIATION else [])
    notice.target_enterprises.set(enterprises if target == Notice.Target.ENTERPRISES else [])


def notice_create(*, actor, data: dict, associations=(), enterprises=()) -> Notice:
    """A draft notice from a form's cleaned ``data`` (NOTICE_FIELDS). Commerce staff only."""
    access.require_writer(actor)
    with transaction.atomic():
        notice = Notice(created_by=actor, **{name: data[name] for name in NOTICE_FIELDS})
        notice._change_reason = "written"
        notice._history_user = actor
        _set_target_lists(notice, associations=associations, enterprises=enterprises)
    return notice


def notice_update(*, actor, notice: Notice, data: dict, associations=(), enterprises=()):
    """Edit a draft. A sent notice stays as it was sent (``NoticeRefused``)."""
    access.require_writer(actor)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if not locked.is_draft:
            raise NoticeRefused(_("This notice has been sent; it can no longer be changed."))
        for name in NOTICE_FIELDS:
            setattr(locked, name, data[name])
        locked._change_reason = "edited"
        locked._history_user = actor
        _set_target_lists(locked, associations=associations, enterprises=enterprises)
    return locked


def notice_attachment_add(*, actor, notice: Notice, uploaded_file) -> NoticeAttachment:
    """Attach a file to a draft, checked by the issues' attachment rules (kind by its first
    bytes, size, a safe display name). Raises ``ValidationError`` for a refused file and
    ``NoticeRefused`` for a sent notice; the file is removed again if the row is not saved."""
    access.require_writer(actor)
    content_type, name = validate_upload(uploaded_file)
    attachment = NoticeAttachment(
        notice=notice,
        storage_key=f"{secrets.token_hex(16)}.{extension(name)}",
        original_name=name,
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            locked = Notice.objects.select_for_update().get(pk=notice.pk)
            if not locked.is_draft:
                raise NoticeRefused(_("This notice has been sent; it can no longer be changed."))
            attachment.file.save(attachment.storage_key, uploaded_file, save=False)
            attachment.save()
    except BaseException:
        # Written before the transaction commits: a failed one must not leave the file.
        if attachment.file.name:
            attachment.file.delete(save=False)
        raise
    return attachment


def notice_attachment_remove(*, actor, notice: Notice, attachment: NoticeAttachment) -> None:
    access.require_writer(actor)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if not locked.is_draft:
            raise NoticeRefused(_("This notice has been sent; it can no longer be changed."))
        name = attachment.file.name
        attachment.delete()
        storage = attachment.file.storage
        transaction.on_commit(lambda: storage.delete(name))


def notice_send(*, actor, notice: Notice) -> int:
    """Send a draft: one delivery row per person its target reaches (the version each gets
    fixed now), the notice marked sent, and the worker asked to deliver once this commits.
    Returns how many people it goes to. Refused for a notice already sent or one that reaches
    nobody. Sending twice (a double click, two staff at once) writes the rows once: the
    notice row is locked and its state checked, and each row's unique key stands behind it."""
    access.require_writer(actor)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if not locked.is_draft:
            raise NoticeRefused(_("This notice has already been sent."))
        people, _unreachable = selectors.recipients(locked)
        if not people:
            raise NoticeRefused(
                _("No contact can be reached with this target: nothing would be sent.")
            )
        NoticeDelivery.objects.bulk_create(
            [
                NoticeDelivery(
                    notice=locked,
                    recipient_key=person.key,
                    contact_id=person.contact_id,
                    enterprise_id=person.enterprise_id,
                    user_id=person.user_id,
                    name=person.name[:150],
                    email=person.email,
                    language=person.language,
                    version=person.version,
                )
                for person in people
            ],
            ignore_conflicts=True,
        )
        locked.status = Notice.Status.SENT
        locked.sent_at = timezone.now()
        locked.sent_by = actor
        locked._change_reason = "sent"
        locked._history_user = actor
        locked.save()
    return len(people)


def delivery_mark_read(*, delivery: NoticeDelivery) -> None:
    """The reader opened the notice: mark it read once (the first time counts)."""
    if delivery.read_at is None:
        now = timezone.now()
        NoticeDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
        delivery.read_at = now


def deliveries_mark_all_read(*, user) -> int:
    return (
        NoticeDelivery.objects.in_inbox_of(user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
