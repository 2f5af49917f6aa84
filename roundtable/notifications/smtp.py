"""What a failed send means: a reason for the reminder log, and whether to retry."""

import smtplib


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        return "SMTP recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return f"timeout talking to the mail server: {exc}".rstrip(": ")
    if isinstance(exc, ConnectionRefusedError):
        return f"the mail server refused the connection: {exc}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def classify(exc: BaseException) -> tuple[bool, bool]:
    """(permanent, server unreachable). A 5xx refusal of this message is permanent; a 4xx,
    a timeout or a refused connection is worth retrying, and the last two (and a failed
    login or greeting) mean the rest of the run would fail the same way."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes), False
    if isinstance(
        exc,
        smtplib.SMTPServerDisconnected
        | smtplib.SMTPConnectError
        | smtplib.SMTPHeloError
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPSenderRefused
        | smtplib.SMTPNotSupportedError,
    ):
        return False, True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, False
    if isinstance(exc, OSError):  # refused, reset, timed out, TLS
        return False, True
    return False, False
