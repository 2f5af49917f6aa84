from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from simple_history.admin import SimpleHistoryAdmin

# django-simple-history's history page writes <p class="paginator" style="border-top: 0">,
# the one inline style of the admin pages we use. Rather than a copy of its template, that
# page alone lets exactly this style attribute through, by its hash ('unsafe-hashes' lets a
# hash match an attribute; nothing else inline is allowed there either).
PAGINATOR_STYLE_HASH = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"  # border-top: 0


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin under the portal's Content-Security-Policy."""

    @method_decorator(csp_update({"style-src": ["'unsafe-hashes'", PAGINATOR_STYLE_HASH]}))
    def history_view(self, request, object_id, extra_context=None):
        return super().history_view(request, object_id, extra_context=extra_context)
