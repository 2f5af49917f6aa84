from django import template
from django.utils.html import format_html

from roundtable.accounts import submissions

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    """The hidden field of a create form (``roundtable/accounts/submissions.py``): the token
    it was sent with when the form is shown again with errors, else a new one."""
    request = context.get("request")
    token = submissions.submitted_token(request) if request is not None else ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        submissions.FIELD,
        token or submissions.new_token(),
    )
