"""Request ids in every log line, and logs as one JSON object per line (``LOG_FORMAT=json``).

The request id lives in a context variable. ``roundtable.lib.middleware.RequestIdMiddleware``
sets it for a web request, Celery's task signals (``roundtable/celery.py``) set it for a task,
and ``RequestIdFilter`` copies it onto every log record, so that one id ties together the
proxy's access log, gunicorn's, Django's and the worker's lines about the same request.

Standard library only, no Django: gunicorn's configuration (deploy/gunicorn.conf.py) loads
these classes before the application exists.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What an id taken from outside (the proxy's X-Request-ID, a task header) may look like: a
# token that cannot break a log line or a header. nginx's $request_id is 32 hex digits.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# The response header in gunicorn's access-log atoms (deploy/gunicorn.conf.py).
GUNICORN_ATOM = "{x-request-id}o"


def safe_request_id(value: object) -> str | None:
    """``value`` if it is a safe token (8–128 letters, digits, ``. _ : -``), else None."""
    if isinstance(value, str) and _SAFE_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id``: the current request's or task's id, or "-" outside any.
    Put it on the handler, so that it sees the records of every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            rid = request_id.get()
            if rid is None and isinstance(record.args, Mapping):
                # gunicorn's access log: the id is the response header our middleware set.
                rid = safe_request_id(record.args.get(GUNICORN_ATOM))
            data = getattr(record, "data", None)
            if rid is None and isinstance(data, Mapping):
                # Celery's "Task …[id] received", logged before the task (and its request id
                # header) is taken up: the task's own id.
                rid = safe_request_id(data.get("id"))
            record.request_id = rid or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    and the traceback as ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get() or "-",
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class UtcFormatter(logging.Formatter):
    """Plain lines with the time in UTC, ISO 8601: gunicorn's master logs before Django sets
    the process's time zone and its workers after, so local times would disagree."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
LOG_FORMATS = ("plain", "json")


def logging_config(*, log_format: str, level: str) -> dict:
    """The ``LOGGING`` dictionary of settings.py, shared with gunicorn's configuration."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "roundtable.lib.logs.RequestIdFilter"}},
        "formatters": {
            "plain": {"()": "roundtable.lib.logs.UtcFormatter", "format": PLAIN_FORMAT},
            "json": {"()": "roundtable.lib.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
        },
    }
