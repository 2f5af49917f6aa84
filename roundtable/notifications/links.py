"""Links and header text in reminder e-mails and notices."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def path_to(name: str, *args, default: str = "/") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)


def one_line(text: str, limit: int = 200) -> str:
    """A header value on one line: every run of whitespace, CR and LF included, becomes one
    space, so a title cannot add a header (SECURITY.md §2 case 10)."""
    return " ".join(str(text).split())[:limit]


# The one-line title of each kind of reminder: the in-app notice's title and, by default
