"""The contact's inbox of policy notices (/portal/notices/): the notices delivered to them,
each in the language they read the portal in (or its fallback: roundtable/notices/
languages.py), read marking, and a notice's page with its files.

Access: ``contact_required`` (a contact with a standing link), then
``roundtable.notices.access.delivery_for_contact``: a notice that was not delivered to this
contact answers 404, as do its files. A notice stays in the inbox of the person it was
delivered to even after the link it came through ended, as long as they still represent an
enterprise: it was sent to them, and it holds nothing of another enterprise."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from issues.attachments import attachment_response
from roundtable.notices import access, labels, services
from roundtable.notices.languages import AUTONYMS, reader_language, version_for
from roundtable.notices.models import NoticeDelivery
from roundtable.portal.access import contact_required

PAGE_SIZE = 30


def _shown(notice, wanted: str | None = None) -> dict:
    available = notice.languages
    reader = reader_language(get_language())
    version = wanted if wanted in available else version_for(reader, available)
    title, body = notice.version(version)
    return {
        "title": title,
        "body": body,
        "version": version,
        "falls_back": version != reader and wanted is None,
        "reader_name": AUTONYMS[reader],
        "version_name": labels.LANGUAGE_NAMES[version],
        "kind": labels.kind(notice.kind),
        "others": [(lang, AUTONYMS[lang]) for lang in available if lang != version],
    }


@contact_required
@require_GET
def notice_inbox(request):
    deliveries = (
        NoticeDelivery.objects.in_inbox_of(request.user)
        .select_related("notice")
        .order_by("-inbox_at", "-pk")
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"delivery": d, **_shown(d.notice)} for d in page.object_list]
    unread = NoticeDelivery.objects.in_inbox_of(request.user).filter(read_at__isnull=True)
    return render(
        request,
        "portal/notices/inbox.html",
        {"page": page, "rows": rows, "unread": unread.count()},
    )


@contact_required
@require_GET
def notice_detail(request, pk):
    delivery = access.delivery_for_contact(request.user, pk)
    services.delivery_mark_read(delivery=delivery)
    notice = delivery.notice
    wanted = request.GET.get("version")
    return render(
        request,
        "portal/notices/detail.html",
        {
            "delivery": delivery,
            "notice": notice,
            "attachments": list(notice.attachments.all()),
            **_shown(notice, wanted if wanted in AUTONYMS else None),
        },
    )


@contact_required
@require_GET
def notice_attachment(request, pk, attachment_pk):
    delivery = access.delivery_for_contact(request.user, pk)
    return attachment_response(access.attachment_of(delivery.notice, attachment_pk))


@contact_required
@require_POST
def notices_read_all(request):
    services.deliveries_mark_all_read(user=request.user)
    return redirect("portal:notices")
