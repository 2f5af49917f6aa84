"""The client's address, as the portal's own reverse proxies saw it.

Behind nginx every request comes from nginx (``REMOTE_ADDR`` is 127.0.0.1), and the client's
address is in ``X-Forwarded-For``. Each proxy *appends* the address it received the request
from, so the header reads ``<anything the client sent>, …, <client>, <proxy 1>, …``. With
``PROXY_COUNT`` proxies of ours in front, the client is the ``PROXY_COUNT``-th entry from the
right: entries further left were written by the client and may be forged.

django-axes reads addresses through this function (``AXES_CLIENT_IP_CALLABLE``), and so do the
portal's own throttles. (django-ipware, axes' default reader, is not installed: its default
order takes the *left-most* entry, which any client can set.)
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's address; ``REMOTE_ADDR`` when PROXY_COUNT is 0, or when the header has
    fewer entries than proxies (the request did not come through them) or a malformed one."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "PROXY_COUNT", 0)
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [part.strip() for part in header.split(",") if part.strip()]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    return candidate if _valid(candidate) else remote
