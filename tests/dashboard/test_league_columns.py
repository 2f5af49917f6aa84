"""The chair's department table shows its key columns first and lets the reader choose the
others (issue 16): a plain GET form whose choice stays in the address and in the sort links."""

import re
from html import unescape

import pytest
import time_machine

from tests.dashboard import world

pytestmark = pytest.mark.django_db

KEY_COLUMNS = ["raised", "open", "overdue", "on_time_rate", "satisfaction_rate"]


@pytest.fixture
def w(dept_a, dept_b, staff):
    with time_machine.travel(world.NOW, tick=False):
        yield world.build(dept_a, dept_b, staff)


def _league(html: str) -> str:
    return html[
        html.index('id="league-table"') : html.index("</table>", html.index("league-table"))
    ]


def _columns(html: str) -> list[str]:
    """The KPI columns of the league table's district row, in page order."""
    footer = _league(html).split("<tfoot>")[1]
    return re.findall(r'data-kpi="([a-z_]+)"', footer)


def test_the_key_columns_show_first_and_the_chooser_offers_the_rest(client, w, chair):
    client.force_login(chair)
    html = client.get("/dashboard/?period=2026Q3").content.decode()
    assert _columns(html) == KEY_COLUMNS
    # Each department row has as many cells as there are headings.
    row = re.search(r'<tr data-department="dept-a">(.*?)</tr>', _league(html), re.S).group(1)
    assert len(re.findall(r'data-kpi="', row)) == len(KEY_COLUMNS)
    chooser = html[
        html.index('id="league-columns"') : html.index("</details>", html.index("league-columns"))
    ]
    boxes = re.findall(r'name="cols" value="([a-z_]+)"( checked)?', chooser)
    assert len(boxes) == 10
    assert [key for key, checked in boxes if checked] == KEY_COLUMNS
    assert "Columns: 5 of 10 shown" in chooser
    # Nothing scrolls sideways, so nothing needs a scroll cue.
    assert "data-scroll-cue" not in html


def test_the_reader_chooses_columns_and_the_sort_links_keep_them(client, w, chair):
    client.force_login(chair)
    url = "/dashboard/?period=2026Q3&cols=&cols=reopened&cols=median_days&cols=raised&cols=nope"
    html = client.get(url).content.decode()
    assert _columns(html) == ["raised", "median_days", "reopened"]  # page order, unknown dropped
    sort_links = [unescape(h) for h in re.findall(r'<th scope="col"[^>]*><a href="([^"]+)"', html)]
    assert len(sort_links) == 4
    assert all("cols=&cols=raised&cols=median_days&cols=reopened" in h for h in sort_links)
    assert "data-scroll-cue" not in html
    # More columns than the key ones: the wrapper is a focusable region with a scroll cue.
    every = "".join(f"&cols={key}" for key in [*KEY_COLUMNS, "concluded", "reopened"])
    html = client.get(f"/dashboard/?period=2026Q3{every}").content.decode()
    assert len(_columns(html)) == 7
    assert 'data-scroll-cue tabindex="0" role="region"' in html
    # Choosing none of them is a choice too: the department names alone.
    assert _columns(client.get("/dashboard/?period=2026Q3&cols=").content.decode()) == []


def test_a_hidden_column_still_sorts_the_table(client, w, chair):
    client.force_login(chair)
    response = client.get("/dashboard/?period=2026Q3&sort=-response_rate")
    league = response.context["league"]()
    assert [row["code"] for row in league][:2] == ["dept-b", "dept-a"]
    assert "response_rate" not in _columns(response.content.decode())
