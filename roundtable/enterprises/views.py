from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from roundtable.enterprises.models import Enterprise


@login_required
@require_GET
def autocomplete(request):
    """Enterprise search for pickers: name in either language or credit code, 20 at most.
    Any signed-in user may search: enterprise names are not confidential inside the portal."""
    text = request.GET.get("q", "")[:100]
    qs = Enterprise.objects.active().search(text).order_by("name_zh")[:20]
    return JsonResponse(
        {"results": [{"id": e.pk, "text": f"{e.name} ({e.credit_code})"} for e in qs]}
    )
