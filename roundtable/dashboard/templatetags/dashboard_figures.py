"""Small tags for the dashboard pages: a figure with its ledger link."""

import html

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def figure(item, label=""):
    """A number linked to the ledger's matching issues, ``data-count`` holding the number
    (the tests follow each link and compare it with the ledger's count). ``item`` is
    ``{"value": n, "href": url}``; without ``href`` the number stands alone."""
    if not item:
        return ""
    # A page shows hundreds of figures: plain formatting, escaping each part as format_html
    # would (the href is built by the page and never marked safe).
    text = conditional_escape(label if label != "" else item["value"])
    href = item.get("href")
    if href:
        value = html.escape(str(item["value"]))
        return mark_safe(f'<a href="{html.escape(href)}" data-count="{value}">{text}</a>')
    return text
