"""Who may see and do what with policy notices.

Staff side (``/notices/``):
- commerce staff write, edit (while a draft), attach files to and send notices;
- the chair's office reads every notice, its preview and its counts (403 on any write);
- everyone else (department people, administrators, enterprise contacts) gets 403.

Enterprise side (``/portal/notices/``): a contact sees a notice only if it was delivered to
them (a ``NoticeDelivery`` row of their account, delivered by the worker): 404 for any other
notice, whether it exists or not, and for its files.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roundtable.accounts import roles
from roundtable.lib import params
from roundtable.notices.models import Notice, NoticeAttachment, NoticeDelivery


def can_read(user) -> bool:
    return roles.can_read_all_issues(user)


def can_write(user) -> bool:
    return roles.is_commerce_staff(user)


def require_reader(user) -> None:
    if not can_read(user):
        raise PermissionDenied


def require_writer(user) -> None:
    if not can_write(user):
        raise PermissionDenied


def _pk(value) -> int:
    pk = params.parse_id(str(value))
    if pk is None:
        raise Http404
    return pk


def notice_for_staff(user, pk, *, write: bool = False) -> Notice:
    """The notice ``pk`` for the staff pages: 403 for someone who may not read notices (or
    write them, with ``write``), 404 for a notice that does not exist."""
    if write:
        require_writer(user)
    else:
        require_reader(user)
    try:
        return Notice.objects.get(pk=_pk(pk))
    except Notice.DoesNotExist:
        raise Http404 from None


def attachment_of(notice: Notice, pk) -> NoticeAttachment:
    try:
        return notice.attachments.get(pk=_pk(pk))
    except NoticeAttachment.DoesNotExist:
        raise Http404 from None


def delivery_for_contact(user, notice_pk) -> NoticeDelivery:
    """The delivery of notice ``notice_pk`` in ``user``'s inbox, with its notice; 404 when it
    was never delivered to them. The caller has checked that ``user`` is a current contact."""
    try:
        return (
            NoticeDelivery.objects.in_inbox_of(user)
            .select_related("notice")
            .get(notice_id=_pk(notice_pk))
        )
    except NoticeDelivery.DoesNotExist:
        raise Http404 from None
