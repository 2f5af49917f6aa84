import logging
import os

from celery import Celery, signals

from roundtable.lib import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")

app = Celery("roundtable")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The header that carries a web request's id to the tasks it queues.
REQUEST_ID_HEADER = "request_id"


@signals.setup_logging.connect
def _use_django_logging(loglevel=None, **kwargs) -> None:
    """The worker and beat log through settings.LOGGING (request ids, LOG_FORMAT=json), not
    Celery's own handlers; ``--loglevel`` still sets the level."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs) -> None:
    rid = logs.current_request_id()
    if rid and headers is not None:
        headers[REQUEST_ID_HEADER] = rid


@signals.task_prerun.connect
def _take_request_id(task=None, task_id=None, **kwargs) -> None:
    """A task's log lines carry the id of the request that queued it, else the task's own id.
    Run eagerly inside a request (tests), it keeps the request's."""
    request = getattr(task, "request", None)
    sent = logs.safe_request_id(getattr(request, REQUEST_ID_HEADER, None))
    if sent is None and isinstance(getattr(request, "headers", None), dict):
        sent = logs.safe_request_id(request.headers.get(REQUEST_ID_HEADER))
    rid = sent or logs.current_request_id() or logs.safe_request_id(task_id)
    token = logs.request_id.set(rid)
    if request is not None:
        request._request_id_token = token


@signals.task_postrun.connect
def _drop_request_id(task=None, **kwargs) -> None:
    token = getattr(getattr(task, "request", None), "_request_id_token", None)
    if token is not None:
        try:
            logs.request_id.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            logs.request_id.set(None)
