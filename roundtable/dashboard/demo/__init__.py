"""Demo data: the Yuzhong District (渝中区) roundtable of DOMAIN.md, for ``manage.py load_demo``.

The institution (department names, roles, the roundtable's shape) follows the source documents;
every person, phone number, e-mail address, enterprise and credit code is invented. Office phones
are ``023-6000-0xxx`` and mobiles ``13x-0000-xxxx``: placeholders, not anyone's number.

* ``content/*.toml`` (read by ``content.py``): what the demo says: departments and people,
  enterprises, issue templates with their Chinese and English titles, meetings, the texts
  written on timelines.
* ``base.py``: ``load_base`` builds the base set (institution, people, enterprises, meetings
  from ``meetings.py``, ~150 issues planned in ``plan.py`` and taken through the issue services
  by ``issues.py``), or does nothing when it is loaded already.
* ``bulk.py``: ``add_enterprises`` and ``add_issues`` (and ``bulk_users.py``: ``add_users``)
  add synthetic rows fast for load tests and bench/ (texts from ``texts.py`` and
  ``content/bulk.toml``, rows written by ``roundtable.lib.rows``); its docstring lists the
  rules they bypass.

Everything is drawn from a fixed random seed and dated relative to today, so two loads on the
same day give the same data. What the base set promises (every department leads and co-handles
issues; every status, category and source; overdue and due-soon issues; an issue almost a year
old) holds by rule on any day, holidays and unpublished calendar years included: see
``plan.py``.
"""

from roundtable.dashboard.demo.base import is_loaded, load_base
from roundtable.dashboard.demo.bulk import add_enterprises, add_issues, reserve_references
from roundtable.dashboard.demo.bulk_users import add_users
from roundtable.dashboard.demo.content import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    PEOPLE,
    ROUNDTABLE_NAME_ZH,
)

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEPARTMENTS",
    "PEOPLE",
    "ROUNDTABLE_NAME_ZH",
    "add_enterprises",
    "add_issues",
    "add_users",
    "is_loaded",
    "load_base",
    "reserve_references",
]
