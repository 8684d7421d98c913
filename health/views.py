"""/healthz: 200 when the database and the broker answer, 503 naming what is down."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from bpo_transition.celery import app as celery_app


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


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    problems = {
        name: problem
        for name, problem in (("database", _database_ok()), ("broker", _broker_ok()))
        if problem
    }
    checks = {name: problems.get(name, "ok") for name in ("database", "broker")}
    if problems:
        return JsonResponse(
            {"status": "unavailable", "down": sorted(problems), "checks": checks}, status=503
        )
    return JsonResponse({"status": "ok", "checks": checks})
