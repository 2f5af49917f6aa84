"""Contacts never reach a staff page: every row of the access matrix that is not the
enterprise side's, walked as a contact of E1 (who raised issue X), answers 403 without
anything of the page; the portal's home ("/") sends them to /portal/. A new staff page is
covered by its matrix row alone (accounts.middleware.EnterpriseSideMiddleware)."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.security.test_access_matrix import MATRIX, PDF, _fill, _world

# Pages every visitor needs, the enterprise side's own, and the probes (before sign-in).
OPEN_TO_CONTACTS = {
    "accounts:login",
    "accounts:login_verify",
    "accounts:logout",
    "accounts:set_language",
    "accounts:password_reset",
    "accounts:password_reset_sent",
    "accounts:password_reset_confirm",
    "healthz",
    "readyz",
}


def _staff_rows():
    seen = set()
    for row in MATRIX:
        name = row["name"]
        if name.startswith("portal:") or name in OPEN_TO_CONTACTS:
            continue
        key = (row["method"], row["path"])
        if key not in seen:
            seen.add(key)
            yield row


STAFF_ROWS = list(_staff_rows())


def test_the_walk_covers_the_staff_side():
    names = {row["name"] for row in STAFF_ROWS}
    for expected in ("issues:ledger", "issues:detail", "dashboard:overview", "api:issue_list"):
        assert any(name == expected or name.startswith(expected) for name in names), expected
    assert len(STAFF_ROWS) > 100


@pytest.mark.django_db
def test_every_staff_page_refuses_a_contact(
    client, personas, contact_personas, dept_a, dept_b, enterprise_1
):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        everyone = {**personas, **contact_personas}
        ids = _world(None, everyone, dept_a, dept_b, enterprise_1)
        client.force_login(contact_personas["C1"])
        wrong = []
        for row in STAFF_ROWS:
            path = _fill(row["path"], ids)
            method = row["method"]
            if method in ("GET", "HEAD"):
                response = getattr(client, method.lower())(path)
            else:
                data = {k: _fill(v, ids) for k, v in (row.get("data") or {}).items()}
                if data.get("file") == "@pdf":
                    data["file"] = SimpleUploadedFile("report.pdf", PDF)
                response = getattr(client, method.lower())(path, data)
            body = b"" if response.streaming else response.content
            if row["name"] == "dashboard:home":
                ok = response.status_code == 302 and response["Location"] == "/portal/"
            else:
                ok = response.status_code == 403
            if not ok or "用地审批".encode() in body:
                wrong.append(f"{method} {path} ({row['name']}): {response.status_code}")
        assert not wrong, "staff pages a contact reached:\n  " + "\n  ".join(wrong)
