"""The administrators' pages: register an endpoint, see its secret, edit, deactivate, and read
its deliveries with their answers."""

import pytest
import time_machine

from issues import events
from roundtable.webhooks import tasks
from roundtable.webhooks.models import Delivery, Endpoint, Event
from roundtable.webhooks.services import deliveries_create

pytestmark = pytest.mark.django_db


def test_administrator_registers_an_endpoint_and_sees_its_secret(client, admin_user, loopback):
    client.force_login(admin_user)
    assert client.get("/webhooks/new/").status_code == 200
    response = client.post(
        "/webhooks/new/",
        {
            "name": "12345 hotline",
            "url": "http://127.0.0.1:9/hook",
            "events": [Event.CREATED, Event.OVERDUE],
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}/"
    assert endpoint.events == [Event.CREATED, Event.OVERDUE]
    assert endpoint.is_active and endpoint.created_by == admin_user
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    listing = client.get("/webhooks/").content.decode()
    assert "12345 hotline" in listing and "Issue overdue" in listing
    assert endpoint.secret not in listing


def test_a_new_secret_replaces_the_old_one(client, admin_user, endpoint):
    old = endpoint.secret
    client.force_login(admin_user)
    client.post(f"/webhooks/{endpoint.pk}/secret")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")


def test_edit_and_deactivate(client, admin_user, endpoint):
    client.force_login(admin_user)
    response = client.post(
        f"/webhooks/{endpoint.pk}/",
        {"name": "Hotline", "url": endpoint.url, "events": [Event.CLOSED], "is_active": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.events) == ("Hotline", [Event.CLOSED])
    client.post(f"/webhooks/{endpoint.pk}/deactivate")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "inactive" in client.get("/webhooks/").content.decode()


def test_an_edit_without_events_is_refused_and_keeps_the_input(client, admin_user, endpoint):
    client.force_login(admin_user)
    response = client.post(f"/webhooks/{endpoint.pk}/", {"name": "Renamed", "url": endpoint.url})
    assert response.status_code == 200
    assert 'value="Renamed"' in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.name == "12345 hotline"


def test_deliveries_list_shows_each_answer(client, admin_user, issue_x, endpoint, receiver):
    receiver.statuses = [500]
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        deliveries_create(occurrences=[events.Occurrence(events.CLOSED, issue_x.pk)])
        tasks.deliver_due()
    client.force_login(admin_user)
    page = client.get(f"/webhooks/{endpoint.pk}/deliveries/").content.decode()
    delivery = Delivery.objects.get()
    assert str(delivery.event_id) in page
    assert issue_x.reference in page
    assert "<strong>500</strong>" in page and "received" in page  # status and body excerpt
    assert f"{delivery.duration_ms} ms" in page
    assert "Issue closed" in page and "Waiting to be sent" in page
    failed = client.get(f"/webhooks/{endpoint.pk}/deliveries/?status=delivered").content.decode()
    assert str(delivery.event_id) not in failed
    assert client.get(f"/webhooks/{endpoint.pk}/deliveries/?page=x").status_code == 400


def test_an_unknown_endpoint_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/webhooks/999/").status_code == 404
    assert client.get(f"/webhooks/{2**63}/deliveries/").status_code == 404


def test_the_administration_home_links_to_the_webhooks(client, admin_user, staff):
    client.force_login(admin_user)
    assert 'href="/webhooks/"' in client.get("/").content.decode()
    client.force_login(staff)
    assert 'href="/webhooks/"' not in client.get("/").content.decode()


def test_the_worker_sweeps_due_deliveries_every_minute(settings):
    from roundtable.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["deliver-webhooks"]
    assert entry["task"] == "roundtable.webhooks.tasks.deliver_due"
    assert entry["schedule"] == 60.0
    assert {"roundtable.webhooks.tasks.deliver", entry["task"]} <= set(app.tasks)
