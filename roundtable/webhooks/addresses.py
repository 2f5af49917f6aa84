"""Which addresses a webhook may be sent to (SSRF): never to the portal's own machine or its
private network unless the site allows it.

* ``https`` only; ``http`` only to a loopback host (127.0.0.1, localhost, ::1) and only with
  ``WEBHOOKS["ALLOW_LOOPBACK"]`` (development and tests);
* every address the host resolves to must be public: loopback (unless allowed), private,
  link-local (169.254.0.0/16, the cloud metadata service), shared, reserved, multicast and
  unspecified addresses are refused, unless inside a network of
  ``WEBHOOKS["ALLOWED_NETWORKS"]`` (an intranet platform the site trusts).

The check runs when an endpoint is saved and again at every delivery, and the delivery
connects to the address it checked (``sending.py``), so a DNS answer that changes in between
cannot lead it elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class UnsafeURL(ValueError):
    """A URL that webhooks may not be sent to, with the reason in the reader's language."""


def _config(key):
    return settings.WEBHOOKS[key]


def _allowed_networks():
    return [ipaddress.ip_network(n, strict=False) for n in _config("ALLOWED_NETWORKS")]


def _public(address: ipaddress._BaseAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, shared
    )


def address_allowed(address: ipaddress._BaseAddress) -> bool:
    if address.is_loopback and _config("ALLOW_LOOPBACK"):
        return True
    if any(address in network for network in _allowed_networks()):
        return True
    return _public(address)


def resolve(host: str, port: int) -> list[ipaddress._BaseAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(_("The host name does not resolve.")) from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def parts(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an acceptable URL, or ``UnsafeURL``."""
    try:
        split = urlsplit(url)
        port = split.port
    except ValueError as exc:
        raise UnsafeURL(_("Enter a valid URL.")) from exc
    host = (split.hostname or "").lower()
    if not host or split.username or split.password:
        raise UnsafeURL(_("Enter a URL with a host and no user name or password."))
    if split.scheme == "http":
        if not (_config("ALLOW_LOOPBACK") and host in LOOPBACK_NAMES):
            raise UnsafeURL(_("Use an https:// address."))
    elif split.scheme != "https":
        raise UnsafeURL(_("Use an https:// address."))
    return split.scheme, host, port or (443 if split.scheme == "https" else 80)


def check(url: str) -> tuple[str, str, int, ipaddress._BaseAddress]:
    """Check ``url`` and resolve its host now: the scheme, host, port and the first allowed
    address to connect to. Raises ``UnsafeURL`` if any address is not allowed."""
    scheme, host, port = parts(url)
    addresses = resolve(host, port)
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise UnsafeURL(
            _("The address is on a private or local network; webhooks are not sent there.")
        )
    return scheme, host, port, addresses[0]
