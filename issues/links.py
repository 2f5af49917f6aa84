"""Links to issue pages for lists of issues."""

from django.urls import reverse

_STAND_IN = 987654321  # an id no page uses, replaced by each row's own


def detail_href() -> str:
    """The issue page's URL with ``{}`` for the id: one ``reverse()`` for a whole list,
    whose rows differ only by the id (``detail_href().format(issue.pk)``)."""
    return reverse("issues:detail", args=[_STAND_IN]).replace(str(_STAND_IN), "{}")
