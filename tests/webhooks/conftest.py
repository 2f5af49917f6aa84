import pytest

from roundtable.webhooks import services
from tests.webhooks.receiver import Receiver


@pytest.fixture
def loopback(settings):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "ALLOW_LOOPBACK": True}


@pytest.fixture
def receiver(loopback):
    with Receiver() as server:
        yield server


@pytest.fixture
def endpoint(receiver, admin_user):
    """An endpoint of the receiver's, subscribed to every event."""
    from roundtable.webhooks.models import Event

    made = services.endpoint_create(
        actor=admin_user, name="12345 hotline", url=receiver.url, events=Event.values
    )
    receiver.secret = made.secret
    return made
