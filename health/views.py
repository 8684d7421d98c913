"""/healthz: 200 when the database and the broker answer, 503 naming what is down; with the
age of the worker's and beat's last heartbeats. And the banner PMO staff and admins see
while the worker or beat has gone quiet."""

from celery import current_app as celery_app
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from health.banner import background_problem
from health.selectors import heartbeats


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as failure:
        return f"unreachable ({type(failure).__name__})"
    return None


def broker_connection():
    return celery_app.connection_for_write()


def _broker_ok() -> str | None:
    try:
        with broker_connection() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as failure:
        return f"unreachable ({type(failure).__name__})"
    return None


def _cache_ok() -> str | None:
    """The shared cache (Redis in production): the web answers without it (throttles count
    per process), but it is down all the same."""
    ping = getattr(caches["default"], "ping", None)
    return ping() if ping is not None else None


def _heartbeats() -> dict:
    """Reported, not judged: a quiet worker does not make the web server unhealthy (restarting
    the web would not bring reminders back); scripts/run.sh restarts the worker and beat,
    and PMO staff and admins see a banner."""
    try:
        found = heartbeats()
    except Exception as failure:
        return {"error": f"unreadable ({type(failure).__name__})"}
    return {
        name: {
            "last_seen": beat.last_seen.isoformat() if beat.last_seen else None,
            "age_seconds": beat.age_seconds,
            "stale": beat.stale,
        }
        for name, beat in found.items()
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    answers = {"database": _database_ok(), "broker": _broker_ok()}
    if hasattr(caches["default"], "ping"):
        answers["cache"] = _cache_ok()
    problems = {name: problem for name, problem in answers.items() if problem}
    checks = {name: problems.get(name, "ok") for name in answers}
    beats = _heartbeats() if "database" not in problems else {}
    if problems:
        return JsonResponse(
            {
                "status": "unavailable",
                "down": sorted(problems),
                "checks": checks,
                "heartbeats": beats,
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": checks, "heartbeats": beats})


@never_cache
@login_required
def background_banner(request: HttpRequest) -> HttpResponse:
    """Loaded by htmx on every page of PMO staff and admins (and again every minute), so that
    no page pays for it in its own queries."""
    return render(request, "health/banner.html", {"problem": background_problem(request)})
