"""Administrators' pages for outbound webhooks: the endpoints (list, new, edit, deactivate, a
new secret) and each endpoint's deliveries with their answers. Changes go through
``services.py``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from roundtable.accounts.views_admin import administrator_required
from roundtable.lib import params
from roundtable.webhooks import addresses, services
from roundtable.webhooks.forms import DeliveryFilterForm, EndpointForm
from roundtable.webhooks.models import Delivery, Endpoint

PAGE_SIZE = 50
# The largest id looked up, as issues.access does: SQLite cannot even bind 2**63.
ID_MAX = 2**62


def _endpoint_or_404(pk) -> Endpoint:
    if not 0 < pk <= ID_MAX:
        raise Http404
    return get_object_or_404(Endpoint, pk=pk)


@administrator_required
@require_http_methods(["GET"])
def endpoint_list(request):
    endpoints = list(Endpoint.objects.all())
    counts = {}
    for endpoint_id, status in Delivery.objects.values_list("endpoint_id", "status"):
        counts.setdefault(endpoint_id, {}).setdefault(status, 0)
        counts[endpoint_id][status] += 1
    for endpoint in endpoints:
        mine = counts.get(endpoint.pk, {})
        endpoint.pending = mine.get(Delivery.Status.PENDING, 0)
        endpoint.failed = mine.get(Delivery.Status.FAILED, 0)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@administrator_required
@require_http_methods(["GET", "POST"])
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.endpoint_create(
                actor=request.user, name=data["name"], url=data["url"], events=data["events"]
            )
        except addresses.UnsafeURL as exc:
            form.add_error("url", str(exc))
        else:
            messages.success(
                request, _("Endpoint registered. Give its secret to the receiving system.")
            )
            return redirect("webhooks:endpoint_edit", endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"form": form, "title": _("New webhook endpoint"), "submit": _("Register")},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, pk):
    endpoint = _endpoint_or_404(pk)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.endpoint_update(actor=request.user, endpoint=endpoint, **data)
        except addresses.UnsafeURL as exc:
            form.add_error("url", str(exc))
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:endpoint_list")
    return render(
        request,
        "webhooks/endpoint_form.html",
        {
            "form": form,
            "endpoint": endpoint,
            "title": _("Webhook endpoint %(name)s") % {"name": endpoint.name},
            "submit": _("Save"),
        },
    )


@administrator_required
@require_POST
def endpoint_deactivate(request, pk):
    endpoint = _endpoint_or_404(pk)
    services.endpoint_deactivate(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Endpoint deactivated: it receives nothing more."))
    return redirect("webhooks:endpoint_list")


@administrator_required
@require_POST
def endpoint_new_secret(request, pk):
    endpoint = _endpoint_or_404(pk)
    services.endpoint_new_secret(actor=request.user, endpoint=endpoint)
    messages.success(request, _("New secret made. Deliveries are signed with it from now on."))
    return redirect("webhooks:endpoint_edit", endpoint.pk)


@administrator_required
@require_http_methods(["GET"])
def delivery_list(request, pk):
    endpoint = _endpoint_or_404(pk)
    form = DeliveryFilterForm(request.GET or None)
    qs = endpoint.deliveries.select_related("issue")
    if form.is_bound and form.is_valid() and form.cleaned_data["status"]:
        qs = qs.filter(status=form.cleaned_data["status"])
    asked = request.GET
    number = params.get_int(asked, "page", min_value=1, max_value=10**6, default=1)
    page = Paginator(qs, PAGE_SIZE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "webhooks/delivery_list.html",
        {"endpoint": endpoint, "form": form, "page": page, "query": query.urlencode()},
    )
