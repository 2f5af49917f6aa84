"""The chair's dashboard shows the notices' reach per quarter."""

import pytest
import time_machine

from roundtable.notices import delivery, services
from roundtable.notices.models import NoticeDelivery
from tests.notices import world as w

pytestmark = pytest.mark.django_db


def test_chair_sees_notices_sent_people_reached_and_read_per_quarter(client, staff, chair):
    world = w.build()
    with time_machine.travel("2026-08-20 10:00 +0800", tick=False):
        services.notice_send(actor=staff, notice=w.notice(staff))
        delivery.notices_deliver_pending()
    NoticeDelivery.objects.filter(user=world.users["zh"]).update(read_at="2026-08-21T02:00Z")
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        client.force_login(chair)
        page = client.get("/dashboard/?period=2026Q3").content.decode()
    panel = page[page.index('id="notice-reach"') :]
    row = panel[panel.index("Q3 2026") :].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    # 1 notice, 5 people in 3 enterprises, none failed, 1 read.
    assert cells == ["1", "5", "3", "0", "1"], cells
