"""Gunicorn's settings for Roundtable.

    gunicorn --config deploy/gunicorn.conf.py          (from the checkout; the app is set below)

Each value can be changed from the environment, so the systemd unit and the container share
this file: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS, LOG_FORMAT,
LOG_LEVEL (deploy/roundtable.env.example says what each is for).
"""

import multiprocessing
import os

from roundtable.lib.logs import logging_config

wsgi_app = "roundtable.wsgi:application"
proc_name = "roundtable"

# Behind nginx on the same host; in a container, GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: nginx buffers the slow clients (uploads and responses), so each worker is busy
# only while Django works. About two per core; each holds one database connection.
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 9))
# A worker silent for this long is killed and replaced. The longest request, the 100,000-row
# ledger export, takes under 30 s; nginx waits 75 s (proxy_read_timeout).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle each worker after about a thousand requests, not all at once, so a slow leak never
# grows and the workers do not restart together.
max_requests = 1000
max_requests_jitter = 100

# Trust X-Forwarded-Proto (and -For) only from the proxy on this host. Django reads the
# scheme from X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER, with HTTPS=1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The heartbeat file of each worker: in memory where there is /dev/shm (containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs to stdout/stderr (journald or the container runtime keeps them). The access line names
# the client (X-Forwarded-For from nginx), the time taken, and the request id that the
# application returned in X-Request-ID: the same id as nginx's log and the application's.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" '
    "request_id=%({x-request-id}o)s"
)
_log_format = os.environ.get("LOG_FORMAT", "plain").strip().lower()
logconfig_dict = logging_config(log_format=_log_format, level=os.environ.get("LOG_LEVEL", "INFO"))
logconfig_dict["formatters"]["access"] = {
    "()": "roundtable.lib.logs.UtcFormatter",
    "format": "%(asctime)s %(name)s %(message)s",
}
logconfig_dict["handlers"]["access"] = {
    "class": "logging.StreamHandler",
    "stream": "ext://sys.stdout",
    # The plain access line carries its request id already; JSON puts it in its own field.
    "formatter": "json" if _log_format == "json" else "access",
    "filters": ["request_id"],
}
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    }
)
