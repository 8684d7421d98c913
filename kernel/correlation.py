"""One correlation id per request (or Celery task), in every log line and every event it writes.

The middleware takes the caller's ``X-Request-ID`` when it is a UUID (a proxy or client that
already names the request), otherwise makes one, and answers with it in ``X-Request-ID``.
``audit.services.operation`` records it as the events' ``correlation_id``, so a log line and
the change-feed entries of one request are found by the same id. ``CorrelationIdFilter`` puts
it on every log record (``correlation_id``; empty outside a request or task).
"""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar

from celery.signals import task_postrun, task_prerun

HEADER = "X-Request-ID"
_current: ContextVar[uuid.UUID | None] = ContextVar("correlation_id", default=None)
log = logging.getLogger("bpo.request")


def current() -> uuid.UUID | None:
    """The id of the request or task running now, if any."""
    return _current.get()


def _from_header(value: str | None) -> uuid.UUID | None:
    if not value or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class CorrelationIdMiddleware:
    """Names the request, logs one line when it is answered (method, path, view, status,
    duration, correlation id) and echoes the id in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        correlation_id = _from_header(request.headers.get(HEADER)) or uuid.uuid4()
        request.correlation_id = correlation_id
        token = _current.set(correlation_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = str(correlation_id)
            match = getattr(request, "resolver_match", None)
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": match.view_name if match else "",
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _current.reset(token)


class CorrelationIdFilter(logging.Filter):
    """Adds ``correlation_id`` to every record (a handler's filter: records of every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            correlation_id = _current.get()
            record.correlation_id = str(correlation_id) if correlation_id else ""
        return True


_task_tokens: dict[str, object] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    """A task's log lines and events carry its task id as their correlation id."""
    if task_id:
        _task_tokens[task_id] = _current.set(_from_header(task_id) or uuid.uuid4())


@task_postrun.connect
def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a task run eagerly in a thread)
            _current.set(None)
