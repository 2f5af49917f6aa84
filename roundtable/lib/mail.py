"""The embedded default's mail "server": one ``.eml`` file per message.

Django's file backend writes one file per connection, so a reminder run that sends a hundred
messages over one connection leaves one file holding all of them. Here each message is its
own file in EMAIL_FILE_PATH, named by the time it was written and its Message-ID, which any
e-mail client opens as it is.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        path = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("EMAIL_FILE_PATH is needed to write e-mail to files.")
        self.file_path = Path(path).resolve()
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImproperlyConfigured(f"Cannot create {self.file_path}: {exc}") from exc
        if not os.access(self.file_path, os.W_OK):
            raise ImproperlyConfigured(f"Cannot write e-mail to {self.file_path}.")

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def _write(self, message) -> Path:
        mime = message.message()
        message_id = _UNSAFE.sub("_", str(mime["Message-ID"] or "").strip("<>"))[:120]
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        path = self.file_path / f"{stamp}-{message_id or 'message'}.eml"
        # "x": never overwrite another message, even one with the same name.
        with path.open("xb") as out:
            out.write(mime.as_bytes(linesep="\r\n"))
        return path
