"""The client's address behind the portal's own proxies (PROXY_COUNT): the entry the
outermost proxy appended to X-Forwarded-For, never one the client wrote itself."""

import pytest
from django.test import RequestFactory

from roundtable.lib.client_ip import client_ip


def _request(remote="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxy_count", "remote", "forwarded", "expected"),
    [
        # No proxy: the header is the client's own text and is ignored.
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # nginx in front: the last entry is what nginx saw.
        (1, "127.0.0.1", "198.51.100.7", "198.51.100.7"),
        (1, "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # A load balancer, then nginx: the second entry from the right.
        (2, "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # Fewer entries than proxies: the request did not come through them.
        (2, "127.0.0.1", "198.51.100.7", "127.0.0.1"),
        (1, "127.0.0.1", None, "127.0.0.1"),
        # Not an address at all.
        (1, "127.0.0.1", "<script>", "127.0.0.1"),
        (1, "127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, proxy_count, remote, forwarded, expected):
    settings.PROXY_COUNT = proxy_count
    assert client_ip(_request(remote, forwarded)) == expected
