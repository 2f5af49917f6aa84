"""The staff side of policy notices (``/notices/``): the list, writing and editing a draft,
its files, the preview of whom it reaches in which language, sending it, and its counts once
sent. Access: ``access.py``. Views check access, bind a form, call a service and redirect; on
an error they re-render the bound form so nothing typed is lost."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from issues.attachments import attachment_response
from roundtable.notices import access, selectors, services
from roundtable.notices.forms import AttachmentForm, NoticeForm
from roundtable.notices.languages import AUTONYMS, NAMES
from roundtable.notices.models import VERSION_LANGUAGES, Notice, NoticeDelivery

LIST_SIZE = 200
RECIPIENTS_SHOWN = 200


@login_required
@require_GET
def notice_list(request):
    access.require_reader(request.user)
    delivered = Q(deliveries__status__in=NoticeDelivery.DELIVERED)
    notices = Notice.objects.annotate(
        recipient_count=Count("deliveries"),
        delivered_count=Count("deliveries", filter=delivered),
        read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
    ).order_by("-created_at", "-pk")[:LIST_SIZE]
    return render(
        request,
        "notices/list.html",
        {"notices": notices, "can_write": access.can_write(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request):
    access.require_writer(request.user)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notice = services.notice_create(actor=request.user, **form.service_arguments())
        messages.success(
            request, _("The notice is saved as a draft. Check the preview, then send it.")
        )
        return redirect("notices:detail", notice.pk)
    return render(request, "notices/form.html", {"form": form, "notice": None})


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk):
    notice = access.notice_for_staff(request.user, pk, write=True)
    if not notice.is_draft:
        messages.error(request, _("This notice has been sent; it can no longer be changed."))
        return redirect("notices:detail", notice.pk)
    form = NoticeForm(request.POST or None, instance=notice)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(actor=request.user, notice=notice, **form.service_arguments())
        except services.NoticeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The draft is saved."))
        return redirect("notices:detail", notice.pk)
    return render(request, "notices/form.html", {"form": form, "notice": notice})


def _versions(notice: Notice) -> list[dict]:
    rows = []
    for language in VERSION_LANGUAGES:
        title, body = notice.version(language)
        rows.append(
            {
                "language": language,
                "autonym": AUTONYMS[language],
                "name": NAMES[language],
                "present": notice.has_version(language),
                "title": title,
                "body": body,
            }
        )
    return rows


def _target_names(notice: Notice) -> list[str]:
    from django_countries import countries

    from roundtable.lib import industries

    if notice.target == Notice.Target.INDUSTRY:
        return [
            industries.name(en)
            for letter, _zh, en in industries.SECTIONS
            if letter in notice.target_industries
        ]
    if notice.target == Notice.Target.COUNTRY:
        return [str(countries.name(code)) for code in notice.target_countries]
    if notice.target == Notice.Target.ASSOCIATION:
        return [str(a) for a in notice.target_associations.all()]
    if notice.target == Notice.Target.ENTERPRISES:
        return [str(e) for e in notice.target_enterprises.all()]
    return []


def _preview_rows(preview) -> dict:
    return {
        "by_version": [
            {"name": NAMES[lang], "autonym": AUTONYMS[lang], "count": preview.by_version[lang]}
            for lang in VERSION_LANGUAGES
        ],
        "fallbacks": [
            {"reader": NAMES[reader], "version": NAMES[version], "count": count}
            for (reader, version), count in sorted(preview.fallbacks.items())
        ],
        "fallback_people": [
            {
                "name": p.name,
                "enterprise": p.enterprise_name,
                "reader": NAMES[p.language],
                "version": NAMES[p.version],
            }
            for p in preview.fallback_people[:RECIPIENTS_SHOWN]
        ],
    }


@login_required
@require_GET
def notice_detail(request, pk):
    notice = access.notice_for_staff(request.user, pk)
    can_write = access.can_write(request.user)
    context = {
        "notice": notice,
        "versions": _versions(notice),
        "missing": [NAMES[lang] for lang in notice.missing_languages],
        "target_names": _target_names(notice),
        "attachments": list(notice.attachments.all()),
        "can_write": can_write and notice.is_draft,
        "attachment_form": AttachmentForm(),
    }
    if notice.is_draft:
        preview = selectors.preview(notice)
        context.update(preview=preview, **_preview_rows(preview))
    else:
        context["counts"] = selectors.delivery_counts(notice)
        context["deliveries"] = list(
            notice.deliveries.select_related("enterprise").order_by("name", "pk")[:RECIPIENTS_SHOWN]
        )
        context["version_names"] = NAMES
    return render(request, "notices/detail.html", context)


@login_required
@require_POST
def notice_send(request, pk):
    notice = access.notice_for_staff(request.user, pk, write=True)
    try:
        count = services.notice_send(actor=request.user, notice=notice)
    except services.NoticeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            ngettext(
                "The notice is on its way to %(count)d person.",
                "The notice is on its way to %(count)d people.",
                count,
            )
            % {"count": count},
        )
    return redirect("notices:detail", notice.pk)


@login_required
@require_POST
def attachment_add(request, pk):
    notice = access.notice_for_staff(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.notice_attachment_add(
                actor=request.user, notice=notice, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except services.NoticeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The file is attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("notices:detail", notice.pk)


@login_required
@require_POST
def attachment_remove(request, pk, attachment_pk):
    notice = access.notice_for_staff(request.user, pk, write=True)
    attachment = access.attachment_of(notice, attachment_pk)
    try:
        services.notice_attachment_remove(actor=request.user, notice=notice, attachment=attachment)
    except services.NoticeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The file is removed."))
    return redirect("notices:detail", notice.pk)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    notice = access.notice_for_staff(request.user, pk)
    return attachment_response(access.attachment_of(notice, attachment_pk))
