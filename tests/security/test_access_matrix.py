"""SECURITY.md §1: every cell of the access matrix (matrix.yaml), and a gate that fails when a
URL pattern has no row."""

from datetime import date
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from issues import services
from issues.attachments import store_attachment
from issues.models import Issue, SpecialStudy
from roundtable.accounts import api_tokens
from roundtable.dashboard.models import Heartbeat
from roundtable.notifications.models import Notification
from roundtable.workdays import services as workdays
from tests import factories
from tests.jobs import world as jobs_world
from tests.meetings import world as meetings_world
from tests.notices import matrix_world as notices_world
from tests.portal import world as portal_world
from tests.security.headers import assert_security_headers
from tests.webhooks import world as webhooks_world

# matrix.yaml holds the ledger and the core pages; matrix_<area>.yaml the rows of other areas.
MATRIX = [
    row
    for path in sorted(Path(__file__).parent.glob("matrix*.yaml"))
    for row in yaml.safe_load(path.read_text()) or []
]
PERSONAS = ["An", "LA", "LB", "LC", "HA", "Mo", "St", "Ch", "Ad"]
# Enterprise contacts (the portal's rows): of E1, of E2 only, and one whose link ended.
CONTACT_PERSONAS = ["C1", "C2", "Cx"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# URL names that are not pages of ours (Django admin internals are covered by admin:index).
EXEMPT_NAMESPACES = {"admin"}


def _cells():
    for row in MATRIX:
        for persona, expected in row["expect"].items():
            label = f"{row['method']} {row['path']} {row.get('state', '')} {persona}"
            yield pytest.param(row, persona, expected, id=label)


def _world(state, personas, dept_a, dept_b, enterprise_1):
    staff, la, lb = personas["St"], personas["LA"], personas["LB"]
    category = factories.CategoryFactory()
    x = services.issue_create(
        actor=staff,
        title="Land-use permit delayed 用地审批",
        enterprise=enterprise_1,
        category=category,
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        monitor=personas["Mo"],
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )
    lead = x.assignments.get(role="lead")
    co = x.assignments.get(role="co")
    ext = None
    if state in ("in_progress", "extension_pending", "concluded", None):
        services.assignment_accept(actor=la, assignment=lead)
        services.assignment_accept(actor=lb, assignment=co)
    if state == "extension_pending":
        ext = services.issue_request_extension(
            actor=la, issue=x, requested_deadline=date(2026, 11, 30), reason="Survey"
        )
    if state == "concluded":
        services.issue_report_conclusion(actor=la, issue=x, resolution="Done")
    attachment = store_attachment(
        issue=x, uploaded_file=SimpleUploadedFile("report.pdf", PDF), user=staff
    )
    study = SpecialStudy.objects.create(title="Common land-use delays", lead_department=dept_a)
    # A running worker, so that /readyz answers 200 (matrix_ops.yaml).
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    Issue.objects.filter(pk=x.pk).update(special_study=study)
    x.refresh_from_db()
    ids = {
        "X": x.pk,
        "A": lead.pk,
        "B": co.pk,
        "E": ext.pk if ext else 0,
        "att": attachment.pk,
        "study": study.pk,
        "version": x.version,
        "E1": enterprise_1.pk,
        "category": category.pk,
        "A_dept": dept_a.pk,
        "B_dept": dept_b.pk,
        "reference": x.reference,
        # The calendar's version, which the list of provisional deadlines is posted with.
        "calendar_version": workdays.calendar_version(),
        # A notification of LA's (X assigned to A), for the notifications rows.
        "note": Notification.objects.filter(recipient=la).values_list("pk", flat=True).first() or 0,
    }
    # Accounts (matrix_accounts.yaml): {U} is LC's account, {U_seat} LC's department seat.
    ids["U"] = personas["LC"].pk
    ids["U_seat"] = personas["LC"].department_memberships.get().pk
    # Meetings, enterprises and the calendar feed (matrix_meetings.yaml): {M} {V} {RT}
    # {seat} {item} {consultation} {participant} {contact} {feed} {E1_code} {new_code} …
    ids.update(meetings_world.build(personas, dept_a, dept_b, enterprise_1, x))
    # Background jobs (matrix_jobs.yaml): {job} is a finished export of St's.
    ids.update(jobs_world.build(staff))
    # The REST API (matrix_api.yaml): {etag} is X's ETag; {token} one of LC's API tokens.
    ids["etag"] = f'"{x.pk}-{x.version}"'
    ids["token"] = api_tokens.token_create(user=personas["LC"], name="LC's", scope="read")[0].pk
    # Outbound webhooks (matrix_webhooks.yaml): {hook} is an endpoint with one delivery.
    ids.update(webhooks_world.build(x))
    if "C1" in personas:
        # The enterprise side (matrix_portal.yaml): {P_*} ids of tests/portal/world.py.
        ids.update(portal_world.build(personas, x, ids))
    # Policy notices (matrix_notices.yaml): {notice} {notice_file} {notice_sent}.
    ids.update(notices_world.build(personas, enterprise_1))
    return ids


def _fill(template, ids):
    return template.format(**ids) if isinstance(template, str) else template


def _assert_cell(response, expected, reference):
    body = response.content.decode(errors="replace") if not response.streaming else ""
    if response.streaming:
        body = b"".join(response.streaming_content).decode("utf-8", errors="replace")
    if expected == "L":
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/accounts/login/")
    elif expected == "admin-login":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    elif expected == "N":
        assert response.status_code == 404
    elif expected == "F":
        assert response.status_code == 403
    elif expected == "U":  # L on the API: 401 with the scheme to use, never a redirect
        assert response.status_code == 401, response.status_code
        assert response["WWW-Authenticate"].startswith("Bearer")
    elif expected == "M":
        assert response.status_code == 405, response.status_code
    elif expected == "ok":
        assert response.status_code in (200, 201, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
    elif expected in ("S+", "S-"):
        assert response.status_code == 200
        assert (reference in body) == (expected == "S+"), f"{reference} listed: {expected}"
    else:  # pragma: no cover - a typo in the matrix
        raise AssertionError(f"unknown code {expected}")
    if expected in ("L", "U", "M", "N", "F", "admin-login"):
        assert "用地审批" not in body and "Enterprise One" not in body and "report.pdf" not in body
    # Every answer, whatever its status or type (pages, redirects, 403/404, downloads,
    # exports, feeds, probes), carries the security headers.
    assert_security_headers(response)


@pytest.mark.parametrize(("row", "persona", "expected"), list(_cells()))
def test_access_matrix_cell(
    row, persona, expected, client, personas, dept_a, dept_b, enterprise_1, request
):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        if persona in CONTACT_PERSONAS or set(CONTACT_PERSONAS) & set(row["expect"]):
            # The enterprise side's rows (matrix_portal.yaml): contacts of E1, of E2 only,
            # and one whose link to E1 ended, with the world of tests/portal/world.py.
            personas = {**personas, **request.getfixturevalue("contact_personas")}
        ids = _world(row.get("state"), personas, dept_a, dept_b, enterprise_1)
        if persona != "An":
            client.force_login(personas[persona])
        path = _fill(row["path"], ids)
        if row["method"] == "GET":
            response = client.get(path)
        elif row["method"] == "HEAD":
            response = client.head(path)
            assert response.content == b""
        elif path.startswith("/api/"):
            response = api_request(client, row, path, ids)
        else:
            data = {_fill(k, ids): _fill(v, ids) for k, v in (row.get("data") or {}).items()}
            if data.get("file") == "@pdf":
                data["file"] = SimpleUploadedFile("report.pdf", PDF)
            response = client.post(path, data)
        _assert_cell(response, expected, ids["reference"])


def api_request(client, row, path, ids, **headers):
    """A request of matrix_api.yaml's: its body as JSON, X's ETag in If-Match if it asks."""
    if row.get("if_match"):
        headers["If-Match"] = ids["etag"]
    body = _fill_body(row.get("body"), ids)
    method = getattr(client, row["method"].lower())
    if body is None:
        return method(path, headers=headers)
    return method(path, data=body, content_type="application/json", headers=headers)


def _fill_body(body, ids):
    if isinstance(body, dict):
        return {key: _fill_body(value, ids) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill_body(value, ids) for value in body]
    return _fill(body, ids)


def _names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            yield from _names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)


def test_every_url_pattern_has_a_row_in_the_matrix():
    covered = {row["name"] for row in MATRIX}
    missing = sorted(set(_names(get_resolver())) - covered)
    assert missing == [], f"URL patterns without a row in matrix.yaml: {missing}"


def test_every_row_lists_every_persona_or_says_why_not():
    # Rows for pages outside the case workflow (login, language) may list fewer personas;
    # all issue pages must give every persona a cell.
    for row in MATRIX:
        if row["name"].startswith("issues:"):
            assert set(row["expect"]) == set(PERSONAS), row["name"]
