"""Enterprises' concerns in the intake queue: raised by a contact or through the public form,
then decided by commerce staff (accepted as a ledger issue, put on a meeting's agenda, merged
into an issue, or answered), each decision with a reason the enterprise reads.

The system's words for a decision are a phrase (``lib/phrases.py``, ``concern.*``), worded in
the reader's language; the reason is the staff's own text. Each function takes the acting
user, checks the rule, writes inside ``transaction.atomic`` and leaves a history row.
"""

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from issues import attachments as issue_attachments
from issues import services as issue_services
from issues.models import Category, Issue
from roundtable.accounts import roles
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib import phrases
from roundtable.lib.uscc import normalize as normalize_credit_code
from roundtable.meetings import access
from roundtable.meetings.models import ConcernSender, IntakeAttachment, IntakeItem, Meeting
from roundtable.meetings.services.common import MeetingRefused, _locked, _save, _text

MAX_FILES = 10
# 16 random bytes (128 bits): 22 URL-safe characters. Only the SHA-256 is stored.
TOKEN_BYTES = 16
Origin = IntakeItem.Origin
Status = IntakeItem.Status


# --- Raising a concern ----------------------------------------------------------------------


def represents(user: User, enterprise: Enterprise) -> bool:
    """Whether ``user`` is an enterprise contact whose link to ``enterprise`` stands today
    (the rule of ``roundtable/portal/access.py``, which sits above this app)."""
    if not roles.is_enterprise_contact(user) or not user.is_active:
        return False
    return (
        EnterpriseContact.objects.active()
        .filter(user=user, enterprise=enterprise, enterprise__is_active=True)
        .exists()
    )


def _check_files(files) -> list:
    files = list(files or ())
    if len(files) > MAX_FILES:
        raise MeetingRefused(
            ngettext(
                "Send at most %(n)d file with a concern.",
                "Send at most %(n)d files with a concern.",
                MAX_FILES,
            )
            % {"n": MAX_FILES},
            field="files",
        )
    return files


def _store_files(item: IntakeItem, files, user: User | None) -> None:
    """Store ``files`` with ``item``, checked as issue attachments are; a refused file
    raises ``ValidationError``. The caller runs this inside its transaction, wrapped in
    ``issues.attachments.files_removed_on_rollback()``."""
    for uploaded in files:
        content_type, name = issue_attachments.validate_upload(uploaded)
        storage_key = f"{secrets.token_hex(16)}.{issue_attachments.extension(name)}"
        attachment = IntakeAttachment(
            item=item,
            storage_key=storage_key,
            original_name=name,
            content_type=content_type,
            size=uploaded.size,
            uploaded_by=user,
        )
        attachment.file.save(storage_key, uploaded, save=False)
        issue_attachments.stored_in_transaction(attachment.file.name)
        attachment.save()


def concern_raise(
    *,
    actor: User,
    enterprise: Enterprise,
    text: str,
    category: Category | None = None,
    may_discuss: bool = True,
    files: Iterable = (),
) -> IntakeItem:
    """A contact raises a concern for one of the enterprises they represent. It lands in the
    intake queue with no meeting. Only these fields come from the contact: status, the
    enterprise's verification and the decision are never theirs to set."""
    if not represents(actor, enterprise):
        access.check(False)
    text = _text(text, label=_("The concern"), field="text")
    files = _check_files(files)
    with issue_attachments.files_removed_on_rollback(), transaction.atomic():
        item = IntakeItem(
            enterprise=enterprise,
            origin=Origin.CONTACT,
            text=text,
            category=category,
            may_discuss=bool(may_discuss),
            raised_by=actor,
            recorded_by=actor,
        )
        _save(item, actor, "raised by the enterprise")
        _store_files(item, files, actor)
    return item


def concern_submit_public(
    *,
    credit_code: str,
    company: str,
    name: str,
    email: str,
    text: str,
    category: Category | None,
    language: str,
) -> IntakeItem:
    """A concern sent through the public form, by someone without an account. It lands in
    the intake queue unverified (no enterprise) until staff match it; the worker e-mails the
    sender a status link (``concern_receipts_deliver``)."""
    text = _text(text, label=_("The concern"), field="text")
    with transaction.atomic():
        item = IntakeItem(
            enterprise=None,
            origin=Origin.PUBLIC,
            verified=False,
            text=text,
            category=category,
            may_discuss=True,
        )
        item._change_reason = "public form"
        item.save()
        ConcernSender.objects.create(
            item=item,
            credit_code=normalize_credit_code(credit_code),
            company=company.strip()[:200],
            name=name.strip()[:100],
            email=email.strip(),
            language=language[:10],
        )
    return item


# --- The status link ------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def status_token_issue(sender: ConcernSender) -> str:
    """A new status token for ``sender`` (replacing any earlier one); only its hash is kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    ConcernSender.objects.filter(pk=sender.pk).update(token_hash=token_hash(token))
    sender.token_hash = token_hash(token)
    return token


def concern_for_token(token: str) -> IntakeItem | None:
    """The public-form concern whose status link carries ``token``; None for a wrong or
    unknown token alike."""
    if not token or len(token) > 100:
        return None
    sender = (
        ConcernSender.objects.select_related("item", "item__category", "item__issue")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return sender.item if sender is not None else None


# --- Staff's decisions ----------------------------------------------------------------------


def _reason(reason: str) -> str:
    return _text(reason, label=_("The reason"), field="reason")


def _undecided(item: IntakeItem) -> IntakeItem:
    current = IntakeItem.objects.select_for_update().get(pk=item.pk)
    if not current.is_undecided:
        raise MeetingRefused(_("This concern has already been dealt with."))
    return current


def _require_verified(item: IntakeItem) -> None:
    if not item.verified or item.enterprise_id is None:
        raise MeetingRefused(_("Match the concern to an enterprise first."))


def _decide(
    item: IntakeItem, actor: User, *, status: str, phrase: phrases.Phrase, reason: str, why: str
) -> None:
    item.status = status
    item.outcome_phrase = phrase.data
    item.outcome_reason = reason
    item.decided_at = timezone.now()
    item.decided_by = actor
    _save(item, actor, why)


def _copy_files(item: IntakeItem, issue: Issue, update=None) -> None:
    """Attach the concern's files to the issue it was accepted as or merged into (copies,
    checked as issue attachments are), inside the caller's transaction, which runs in
    ``issues.attachments.files_removed_on_rollback()``."""
    for file in item.attachments.all():
        try:
            issue_attachments.copy_attachment(
                issue=issue,
                source=file.file,
                name=file.original_name,
                user=file.uploaded_by,
                update=update,
            )
        except ValidationError as exc:
            raise MeetingRefused(
                _("The concern's file %(name)s cannot be attached to the issue: %(error)s")
                % {"name": file.original_name, "error": " ".join(exc.messages)}
            ) from None


def intake_item_accept(
    *, actor: User, item: IntakeItem, title: str, category: Category, reason: str
) -> Issue:
    """Accept a concern as a ledger issue: the issue is logged with the concern's enterprise,
    the category and the concern as its description (its files attached), and the concern
    links to it. Staff assign it from the issue's page."""
    access.check(access.can_edit(actor))
    title = _text(title, label=_("The title"), field="title")
    reason = _reason(reason)
    with issue_attachments.files_removed_on_rollback(), transaction.atomic():
        current = _undecided(item)
        _require_verified(current)
        source = (
            Issue.Source.MEETING
            if current.origin == Origin.STAFF and current.meeting_id
            else Issue.Source.ONLINE
            if current.origin != Origin.STAFF
            else Issue.Source.OTHER
        )
        try:
            issue = issue_services.issue_create(
                actor=actor,
                title=title[:200],
                description=current.text,
                enterprise=current.enterprise,
                category=category,
                source=source,
                meeting=current.meeting,
            )
        except issue_services.TransitionRefused as exc:
            raise MeetingRefused(str(exc)) from None
        _copy_files(current, issue)
        current.issue = issue
        if current.category_id is None:
            current.category = category
        phrase = phrases.Phrase("concern.accepted", reference=issue.reference)
        _decide(
            current, actor, status=Status.ACCEPTED, phrase=phrase, reason=reason, why="accepted"
        )
    return issue


def intake_item_attach(
    *, actor: User, item: IntakeItem, meeting: Meeting, reason: str
) -> IntakeItem:
    """Put a concern on the agenda of a meeting still ahead, after the items already there."""
    access.check(access.can_edit(actor, meeting))
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(meeting)
        if not locked.is_open:
            raise MeetingRefused(_("Choose a meeting that is still ahead."), field="meeting")
        current = _undecided(item)
        _require_verified(current)
        last = (
            IntakeItem.objects.filter(meeting=locked, status=Status.ON_AGENDA)
            .order_by("-agenda_order")
            .values_list("agenda_order", flat=True)
            .first()
        )
        current.meeting = locked
        current.agenda_order = (last or 0) + 1
        day = timezone.localtime(locked.starts_at).date()
        phrase = phrases.Phrase("concern.attached", day=day, topic=locked.topic)
        _decide(current, actor, status=Status.ON_AGENDA, phrase=phrase, reason=reason, why="agenda")
    return current


def intake_item_merge(*, actor: User, item: IntakeItem, issue: Issue, reason: str) -> IntakeItem:
    """Merge a concern into an existing issue of the same enterprise: its text becomes
    information in the issue's timeline, with its files, and the concern links to the issue."""
    access.check(access.can_edit(actor))
    reason = _reason(reason)
    with issue_attachments.files_removed_on_rollback(), transaction.atomic():
        current = _undecided(item)
        _require_verified(current)
        concerned = {issue.enterprise_id, *issue.other_enterprises.values_list("pk", flat=True)}
        if current.enterprise_id not in concerned:
            raise MeetingRefused(
                _("Choose an issue of the same enterprise: its contacts follow it."),
                field="issue",
            )
        body = _("Concern from %(enterprise)s, merged from the intake: %(text)s") % {
            "enterprise": current.enterprise.name_zh,
            "text": current.text,
        }
        try:
            update = issue_services.issue_add_concern(actor=actor, issue=issue, body=body)
        except issue_services.TransitionRefused as exc:
            raise MeetingRefused(str(exc), field="issue") from None
        _copy_files(current, issue, update)
        current.issue = issue
        phrase = phrases.Phrase("concern.merged", reference=issue.reference)
        _decide(current, actor, status=Status.MERGED, phrase=phrase, reason=reason, why="merged")
    return current


def intake_item_answer(*, actor: User, item: IntakeItem, reason: str) -> IntakeItem:
    """Answer a concern directly: the reason is the answer the enterprise reads."""
    access.check(access.can_edit(actor))
    reason = _reason(reason)
    with transaction.atomic():
        current = _undecided(item)
        phrase = phrases.Phrase("concern.answered")
        _decide(
            current, actor, status=Status.ANSWERED, phrase=phrase, reason=reason, why="answered"
        )
    return current


def intake_item_match(*, actor: User, item: IntakeItem, enterprise: Enterprise) -> IntakeItem:
    """Match a public-form concern to the enterprise it came from: it is verified, and the
    enterprise's contacts follow it from then on."""
    access.check(access.can_edit(actor))
    with transaction.atomic():
        current = IntakeItem.objects.select_for_update().get(pk=item.pk)
        if current.verified:
            raise MeetingRefused(_("This concern is already matched to an enterprise."))
        current.enterprise = enterprise
        current.verified = True
        _save(current, actor, "matched")
    return current


def match_candidates(item: IntakeItem, *, limit: int = 10) -> list[Enterprise]:
    """Enterprises a public-form concern may have come from: the one with its credit code
    first, then those whose name contains the company name typed."""
    sender = getattr(item, "sender", None)
    if sender is None:
        return []
    found = list(Enterprise.objects.filter(credit_code=sender.credit_code)[:1])
    company = sender.company.strip()
    if company:
        by_name = Enterprise.objects.search(company).exclude(pk__in=[e.pk for e in found])
        found += list(by_name[: limit - len(found)])
    return found
