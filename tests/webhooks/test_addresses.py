"""SSRF: webhooks go to public https addresses only, checked when an endpoint is saved and
again, with a fresh DNS answer, at every delivery."""

import socket

import pytest
import time_machine

from issues import events
from roundtable.webhooks import addresses, tasks
from roundtable.webhooks.models import Delivery, Endpoint, Event
from roundtable.webhooks.services import deliveries_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # plain http to a public address
        "ftp://93.184.216.34/hook",
        "https://127.0.0.1/hook",  # loopback, not allowed by the setting
        "https://localhost:8000/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",  # private
        "https://192.168.1.10/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # link-local: the cloud metadata service
        "https://100.64.0.1/hook",  # shared (carrier-grade NAT)
        "https://0.0.0.0/hook",
        "https://[::ffff:10.0.0.1]/hook",  # an IPv4-mapped private address
        "https://[fe80::1]/hook",
        "https://user:secret@93.184.216.34/hook",
    ],
)
def test_unsafe_addresses_are_refused(url):
    with pytest.raises(addresses.UnsafeURL):
        addresses.check(url)


def test_a_public_https_address_is_accepted():
    assert addresses.check("https://93.184.216.34/hook")[1:3] == ("93.184.216.34", 443)


def test_http_to_loopback_only_when_the_setting_allows_it(settings):
    with pytest.raises(addresses.UnsafeURL):
        addresses.check("http://127.0.0.1:9000/hook")
    settings.WEBHOOKS = {**settings.WEBHOOKS, "ALLOW_LOOPBACK": True}
    assert addresses.check("http://127.0.0.1:9000/hook")[0] == "http"
    with pytest.raises(addresses.UnsafeURL):
        addresses.check("http://10.1.2.3/hook")  # still http, still private


def test_a_trusted_intranet_network_may_be_allowed(settings):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "ALLOWED_NETWORKS": ["10.20.0.0/16"]}
    assert addresses.check("https://10.20.3.4/hook")
    with pytest.raises(addresses.UnsafeURL):
        addresses.check("https://10.21.3.4/hook")


def test_a_host_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    def fake(host, port, *args, **kwargs):
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(addresses.UnsafeURL, match="private or local"):
        addresses.check("https://hooks.example.com/hook")


def test_delivery_checks_the_address_again_when_it_sends(settings, issue_x, receiver, endpoint):
    """Registered while loopback was allowed; the setting is off when the worker sends (as a
    DNS answer that changed after registration would be): nothing is sent, the refusal is
    recorded, and it is retried like any failure."""
    settings.WEBHOOKS = {**settings.WEBHOOKS, "ALLOW_LOOPBACK": False}
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        deliveries_create(occurrences=[events.Occurrence(events.CLOSED, issue_x.pk)])
        tasks.deliver_due()
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.response_status is None
    assert "https://" in delivery.error


def test_the_form_refuses_an_unsafe_url_and_keeps_what_was_typed(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/webhooks/new/",
        {"name": "Metadata", "url": "https://169.254.169.254/latest", "events": [Event.CLOSED]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "private or local network" in page
    assert 'value="Metadata"' in page and "169.254.169.254/latest" in page
    assert not Endpoint.objects.exists()
