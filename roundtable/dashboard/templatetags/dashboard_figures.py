"""Small tags for the dashboard pages: a figure with its ledger link."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def figure(item, label=""):
    """A number linked to the ledger's matching issues, ``data-count`` holding the number
    (the tests follow each link and compare it with the ledger's count). ``item`` is
    ``{"value": n, "href": url}``; without ``href`` the number stands alone."""
    if not item:
        return ""
    text = label if label != "" else item["value"]
    if item.get("href"):
        return format_html('<a href="{}" data-count="{}">{}</a>', item["href"], item["value"], text)
    return format_html("{}", text)
