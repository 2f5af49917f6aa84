"""A notice's e-mail to one person: in the reader's language (greeting, explanations, links,
footer) and in the version of the notice they get (``languages.py``): the title is the
subject, on one line, and the text follows, plain and HTML (autoescaped), with a link to the
notice in the portal inbox and the names of its files."""

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from roundtable.notices import labels
from roundtable.notices.languages import AUTONYMS, NAMES
from roundtable.notices.models import Notice, NoticeDelivery
from roundtable.notifications.links import absolute, one_line, path_to
from roundtable.notifications.messages import AUTOMATIC


def render_notice(notice: Notice, row: NoticeDelivery, *, connection=None):
    title, body = notice.version(row.version)
    with translation.override(row.language):
        context = {
            "notice": notice,
            "title": title,
            "paragraphs": [
                p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()
            ],
            "body": body,
            "kind": labels.kind(notice.kind),
            "name": row.name,
            "language": row.language,
            "version": row.version,
            "version_name": str(NAMES[row.version]),
            "reader_language_name": AUTONYMS[row.language],
            "falls_back": row.version != row.language,
            "files": [a.original_name for a in notice.attachments.all()],
            "url": absolute(path_to("portal:notice", notice.pk)),
            "inbox_url": absolute(path_to("portal:notices")),
            "has_account": row.user_id is not None,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("emails/portal/policy_notice.subject.txt", context)
        text = render_to_string("emails/portal/policy_notice.txt", context)
        html = render_to_string("emails/portal/policy_notice.html", context)
    message = mail.EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.email],
        headers=dict(AUTOMATIC),
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
