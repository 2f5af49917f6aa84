"""The notices of the access matrix (tests/security/matrix_notices.yaml): {notice} is a draft
to every enterprise with a file {notice_file}; {notice_sent} a notice sent to enterprise_1's
standing contacts (C1 among them when the row has contact personas; not Cx, whose link
ended), with a file {notice_sent_file}. Built by tests/security/test_access_matrix.py's
world."""

from django.core.files.uploadedfile import SimpleUploadedFile

from roundtable.enterprises.models import EnterpriseContact
from roundtable.notices import delivery, services
from roundtable.notices.models import Notice
from tests.notices import world as notices_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(personas, enterprise_1) -> dict:
    staff = personas["St"]
    EnterpriseContact.objects.create(
        enterprise=enterprise_1, name="Reader", email="reader@example.test"
    )
    draft = notices_world.notice(staff)
    attachment = services.notice_attachment_add(
        actor=staff, notice=draft, uploaded_file=SimpleUploadedFile("guide.pdf", PDF)
    )
    sent = notices_world.notice(staff, target=Notice.Target.ENTERPRISES, enterprises=[enterprise_1])
    sent_file = services.notice_attachment_add(
        actor=staff, notice=sent, uploaded_file=SimpleUploadedFile("form.pdf", PDF)
    )
    services.notice_send(actor=staff, notice=sent)
    delivery.notices_deliver_pending()
    return {
        "notice": draft.pk,
        "notice_file": attachment.pk,
        "notice_sent": sent.pk,
        "notice_sent_file": sent_file.pk,
    }
