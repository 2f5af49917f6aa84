"""The staff's intake queue of enterprises' concerns: each decision (accept as a ledger issue,
put on a meeting's agenda, merge into an issue, answer), matching a public-form concern to an
enterprise, and who may see what."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from issues.models import ActionUpdate, Issue
from roundtable.meetings.models import ConcernSender, IntakeAttachment, IntakeItem, Meeting
from roundtable.meetings.services import MeetingRefused
from roundtable.meetings.services import concerns as services
from tests import factories
from tests.meetings.helpers import make_item, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return factories.CategoryFactory(code="tax", name_en="Tax", name_zh="税务")


def _concern(enterprise, **kw):
    kw.setdefault("origin", IntakeItem.Origin.CONTACT)
    return IntakeItem.objects.create(enterprise=enterprise, text="Customs clearance is slow", **kw)


def _public(credit_code="91500103MA5U000001", company="Enterprise One Ltd"):
    return services.concern_submit_public(
        credit_code=credit_code,
        company=company,
        name="Aiko Tanaka",
        email="aiko@example.com",
        text="Our work permits take too long",
        category=None,
        language="ja",
    )


def test_queue_lists_concerns_without_a_meeting_and_unverified_ones(client, staff, enterprise_1):
    _concern(enterprise_1)
    _public()
    client.force_login(staff)
    body = client.get("/concerns/").content.decode()
    assert "Customs clearance is slow" in body
    assert "Our work permits take too long" in body
    assert "Unverified" in body
    decided = client.get("/concerns/?show=decided").content.decode()
    assert "Customs clearance is slow" not in decided


def test_accept_creates_the_issue_with_enterprise_category_description_and_links_back(
    client, staff, enterprise_1, category
):
    item = _concern(enterprise_1)
    client.force_login(staff)
    response = client.post(
        f"/concerns/{item.pk}/accept/",
        {"title": "Slow customs", "category": category.pk, "reason": "We take it up."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    issue = Issue.objects.get()
    assert (issue.enterprise, issue.category, issue.description) == (
        enterprise_1,
        category,
        "Customs clearance is slow",
    )
    assert issue.source == Issue.Source.ONLINE
    assert item.issue == issue and item.status == IntakeItem.Status.ACCEPTED
    assert item.outcome_reason == "We take it up."
    with translation.override("en"):
        assert item.shown_outcome == f"Accepted as ledger issue {issue.reference}."
    with translation.override("zh-hans"):
        assert issue.reference in item.shown_outcome and "台账" in item.shown_outcome
    assert item.history.first().history_change_reason == "accepted"
    page = client.get(f"/concerns/{item.pk}/").content.decode()
    assert issue.reference in page and "We take it up." in page


def test_a_decision_needs_a_reason_and_keeps_what_was_typed(client, staff, enterprise_1, category):
    item = _concern(enterprise_1)
    client.force_login(staff)
    response = client.post(
        f"/concerns/{item.pk}/accept/", {"title": "Typed title", "category": category.pk}
    )
    assert response.status_code == 400
    assert "Typed title" in response.content.decode()
    assert not Issue.objects.exists()


def test_attach_puts_it_last_on_an_open_meetings_agenda(staff, roundtable, enterprise_1):
    meeting = make_meeting(
        roundtable, starts_at=timezone.now() + timedelta(days=7), status=Meeting.Status.INTAKE_OPEN
    )
    make_item(meeting, enterprise_1, status=IntakeItem.Status.ON_AGENDA, agenda_order=1)
    item = _concern(enterprise_1)
    services.intake_item_attach(actor=staff, item=item, meeting=meeting, reason="Next roundtable")
    item.refresh_from_db()
    assert (item.meeting, item.status, item.agenda_order) == (meeting, "agenda", 2)
    with translation.override("en"):
        assert meeting.topic in item.shown_outcome


def test_attach_refuses_a_meeting_already_held(staff, roundtable, enterprise_1):
    held = make_meeting(roundtable, status=Meeting.Status.HELD)
    item = _concern(enterprise_1)
    with pytest.raises(MeetingRefused):
        services.intake_item_attach(actor=staff, item=item, meeting=held, reason="r")
    item.refresh_from_db()
    assert item.meeting is None and item.status == IntakeItem.Status.OPEN


def test_merge_adds_the_text_to_the_issue_and_refuses_another_enterprises_issue(
    staff, enterprise_1, enterprise_2, issue_x
):
    item = _concern(enterprise_1)
    services.intake_item_merge(actor=staff, item=item, issue=issue_x, reason="Already handled")
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.MERGED and item.issue == issue_x
    entry = issue_x.updates.get(kind=ActionUpdate.Kind.ENTERPRISE_INFO)
    assert "Customs clearance is slow" in entry.body and entry.visible_to_enterprise
    other = _concern(enterprise_2)
    with pytest.raises(MeetingRefused):
        services.intake_item_merge(actor=staff, item=other, issue=issue_x, reason="r")


def test_answer_and_then_no_second_decision(staff, enterprise_1, category):
    item = _concern(enterprise_1)
    services.intake_item_answer(actor=staff, item=item, reason="The rule changed on 1 May.")
    with pytest.raises(MeetingRefused):
        services.intake_item_accept(
            actor=staff, item=item, title="t", category=category, reason="r"
        )
    assert not Issue.objects.exists()


def test_unverified_concern_must_be_matched_before_it_reaches_the_ledger(
    client, staff, enterprise_1, category
):
    item = _public(credit_code=enterprise_1.credit_code)
    assert item.enterprise is None and not item.verified
    with pytest.raises(MeetingRefused):
        services.intake_item_accept(
            actor=staff, item=item, title="t", category=category, reason="r"
        )
    assert services.match_candidates(item)[0] == enterprise_1
    client.force_login(staff)
    page = client.get(f"/concerns/{item.pk}/match/").content.decode()
    assert enterprise_1.credit_code in page or enterprise_1.name in page
    response = client.post(f"/concerns/{item.pk}/match/", {"enterprise": enterprise_1.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.verified and item.enterprise == enterprise_1
    services.intake_item_accept(actor=staff, item=item, title="t", category=category, reason="r")


def test_match_by_a_typed_credit_code_and_an_unknown_one(client, staff, enterprise_2):
    item = _public(credit_code="91350100M000100Y43", company="Nobody")
    client.force_login(staff)
    response = client.post(f"/concerns/{item.pk}/match/", {"credit_code": "91350100M000100Y43"})
    assert response.status_code == 400
    assert "No enterprise has this credit code" in response.content.decode()
    response = client.post(
        f"/concerns/{item.pk}/match/", {"credit_code": enterprise_2.credit_code.lower()}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.enterprise == enterprise_2


def test_only_staff_decide_and_only_staff_and_chair_read_the_queue(
    client, chair, liaison_a, enterprise_1, category
):
    item = _concern(enterprise_1)
    client.force_login(chair)
    assert client.get("/concerns/").status_code == 200
    assert client.get(f"/concerns/{item.pk}/").status_code == 200
    assert client.post(f"/concerns/{item.pk}/answer/", {"reason": "x"}).status_code == 403
    client.force_login(liaison_a)
    assert client.get("/concerns/").status_code == 403
    assert client.get(f"/concerns/{item.pk}/").status_code == 403
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.OPEN


def test_unknown_or_malformed_ids_are_404(client, staff):
    client.force_login(staff)
    assert client.get("/concerns/999999/").status_code == 404
    assert client.get("/concerns/99999999999999999999/").status_code == 404
    assert client.get("/concerns/999999/files/1/").status_code == 404


def test_visible_to_keeps_null_meeting_and_unverified_items_with_staff(
    staff, chair, liaison_a, liaison_c, dept_a, roundtable, enterprise_1
):
    loose = _concern(enterprise_1)
    loose.departments.set([dept_a])
    unverified = _public()
    unverified.departments.set([dept_a])
    meeting = make_meeting(roundtable, departments=[dept_a])
    on_agenda = make_item(meeting, enterprise_1, status=IntakeItem.Status.ON_AGENDA, agenda_order=1)
    elsewhere = make_meeting(roundtable, topic="Other")
    hidden_agenda = make_item(
        elsewhere, enterprise_1, status=IntakeItem.Status.ON_AGENDA, agenda_order=1
    )
    assert set(IntakeItem.objects.visible_to(staff)) >= {loose, unverified, hidden_agenda}
    assert set(IntakeItem.objects.visible_to(chair)) >= {loose, unverified}
    assert set(IntakeItem.objects.visible_to(liaison_a)) == {loose, on_agenda}
    assert set(IntakeItem.objects.visible_to(liaison_c)) == set()


def test_public_concern_has_its_sender_and_no_token_until_the_receipt(db):
    item = _public(credit_code=" 91500103ma5u000001 ")
    sender = ConcernSender.objects.get(item=item)
    assert sender.credit_code == "91500103MA5U000001"
    assert sender.language == "ja" and sender.token_hash is None


def test_a_decided_concern_cannot_go_on_an_agenda_or_change_status_by_hand(
    staff, roundtable, enterprise_1
):
    meeting = make_meeting(
        roundtable, starts_at=timezone.now() + timedelta(days=7), status=Meeting.Status.INTAKE_OPEN
    )
    item = make_item(meeting, enterprise_1)
    services.intake_item_answer(actor=staff, item=item, reason="Answered at once")
    from roundtable.meetings import services as meeting_services

    with pytest.raises(MeetingRefused):
        meeting_services.agenda_set(actor=staff, meeting=meeting, items=[item])
    with pytest.raises(MeetingRefused):
        meeting_services.intake_item_set_status(actor=staff, item=item, status="open")
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.ANSWERED


def test_the_worker_sends_status_links_every_minute(db):
    from django.conf import settings

    from roundtable.meetings import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["deliver-concern-receipts"]
    assert entry["task"] == tasks.deliver_concern_receipts.name
    assert entry["schedule"] == 60.0
    assert tasks.deliver_concern_receipts.apply().get() == 0  # nothing due


def test_a_concern_without_a_meeting_is_not_reached_through_a_meetings_intake_urls(
    client, staff, roundtable, enterprise_1
):
    meeting = make_meeting(
        roundtable, starts_at=timezone.now() + timedelta(days=7), status=Meeting.Status.INTAKE_OPEN
    )
    loose = _concern(enterprise_1)
    client.force_login(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/intake/{loose.pk}/status/", {"status": "dropped"}
    )
    assert response.status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/intake/{loose.pk}/consult/").status_code == 404
    loose.refresh_from_db()
    assert loose.status == IntakeItem.Status.OPEN and loose.meeting is None


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _with_file(item, name="bill of lading.pdf", uploaded_by=None):
    attachment = IntakeAttachment(
        item=item,
        storage_key=f"k{item.pk}-{name}",
        original_name=name,
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=uploaded_by,
    )
    attachment.file.save(attachment.storage_key, ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def test_accepting_a_concern_attaches_its_files_and_the_issue_page_links_the_concern(
    client, staff, enterprise_1, category
):
    item = _concern(enterprise_1)
    original = _with_file(item)
    client.force_login(staff)
    response = client.post(
        f"/concerns/{item.pk}/accept/",
        {"title": "Slow customs", "category": category.pk, "reason": "We take it up."},
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    copy = issue.attachments.get()
    assert copy.original_name == "bill of lading.pdf" and copy.content_type == "application/pdf"
    assert copy.storage_key != original.storage_key  # a copy: the concern keeps its own
    page = client.get(f"/issues/{issue.pk}/")
    html = page.content.decode()
    assert f'href="/concerns/{item.pk}/"' in html and "bill of lading.pdf" in html
    original.refresh_from_db()
    assert original.file.read() == PDF


def test_merging_a_concern_attaches_its_files_to_the_timeline_entry(
    client, staff, liaison_a, enterprise_1, issue_x
):
    item = _concern(enterprise_1)
    _with_file(item, name="permit.pdf")
    services.intake_item_merge(actor=staff, item=item, issue=issue_x, reason="Already handled")
    entry = issue_x.updates.get(kind=ActionUpdate.Kind.ENTERPRISE_INFO)
    copy = issue_x.attachments.get()
    assert (copy.original_name, copy.update) == ("permit.pdf", entry)
    client.force_login(staff)
    assert f'href="/concerns/{item.pk}/"' in client.get(f"/issues/{issue_x.pk}/").content.decode()
    # The lead department's liaison gets the file, not a link to the queue it cannot read.
    client.force_login(liaison_a)
    page = client.get(f"/issues/{issue_x.pk}/").content.decode()
    assert "permit.pdf" in page and f'href="/concerns/{item.pk}/"' not in page
    download = client.get(f"/issues/{issue_x.pk}/attachments/{copy.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_file_refused_on_accepting_undoes_the_issue_and_leaves_no_copied_file(
    staff, enterprise_1, category, settings
):
    item = _concern(enterprise_1)
    _with_file(item, name="permit.pdf")
    # Stored before today's rules: a web page under a PDF's name is refused now.
    bad = _with_file(item, name="notice.pdf")
    bad.file.save(bad.storage_key + "x", ContentFile(b"<html><script>x</script></html>"))
    with pytest.raises(MeetingRefused, match="notice.pdf"):
        services.intake_item_accept(
            actor=staff, item=item, title="Permits", category=category, reason="r"
        )
    assert not Issue.objects.exists()
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.OPEN and item.issue is None
    copies = settings.MEDIA_ROOT / "attachments"
    assert not copies.exists() or not any(p.is_file() for p in copies.rglob("*"))
