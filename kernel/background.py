"""Celery tasks that work inside one tenant, and sending them only once the change commits.

A task that touches tenant data is declared ``@shared_task(base=TenantTask)`` and sent with the
tenant's id: ``enqueue_on_commit(notify_owner, tenant_id=m.tenant_id, milestone_id=m.pk)``. The
worker enters that tenant before the task body runs, so the task reaches that tenant's rows
and no other's, exactly as a request would.
"""

from __future__ import annotations

from typing import Any

from celery import Task, current_app
from celery.exceptions import NotRegistered
from django.db import transaction

from kernel.tenancy import tenant_context


class TenantTask(Task):
    """Runs its body inside the tenant named by the ``tenant_id`` keyword it was sent with."""

    abstract = True
    # Celery checks a call's arguments against ``run``, which never takes ``tenant_id``:
    # ``apply_async`` below checks the rest itself.
    typing = False

    def apply_async(self, args=None, kwargs=None, *more: Any, **options: Any):
        call = dict(kwargs or {})
        tenant_id = call.pop("tenant_id", None)
        if not isinstance(tenant_id, int) or tenant_id <= 0:
            raise ValueError(f"{self.name} needs a tenant_id.")
        check_arguments = getattr(self, "__header__", None)
        if check_arguments is not None:
            check_arguments(*(args or ()), **call)
        return super().apply_async(args, kwargs, *more, **options)

    def __call__(self, *args: Any, tenant_id: int, **kwargs: Any) -> Any:
        if not isinstance(tenant_id, int) or tenant_id <= 0:
            raise ValueError(f"{self.name} was sent without a tenant id.")
        with tenant_context(tenant_id):
            request = self.request_stack.top
            if request is not None and not request.called_directly:
                # A worker or apply() has pushed this call's request, with its tenant_id and
                # retry count; Task.__call__ would push another without them, and a retry
                # from inside the task would then be sent with neither.
                return self.run(*args, **kwargs)
            return super().__call__(*args, **kwargs)


def task_named(name: str) -> Task:
    """The task registered under ``name``, in any process.

    A worker imports every app's task modules when it starts; a web process imports only what
    its views import, so a task asked for by name may not be registered there yet. Celery's
    loader then imports the task modules of every installed app once (what the worker does),
    and the name is looked up again: an unknown name is still ``NotRegistered``.
    """
    try:
        return current_app.tasks[name]
    except NotRegistered:
        current_app.loader.import_default_modules()
        return current_app.tasks[name]


def enqueue_on_commit(task: Task | str, /, *, tenant_id: int | None = None, **kwargs: Any) -> None:
    """Send ``task`` when the surrounding transaction commits (at once outside of one).

    A rolled-back change sends nothing, and the worker never reads rows that are not yet
    committed. A TenantTask needs ``tenant_id``. ``task`` may be the task's registered name:
    a service asks for work by name when the task module imports that service (the worker's
    entry point calls down into the service, and the service never imports its caller).
    """
    if tenant_id is not None:
        kwargs["tenant_id"] = tenant_id
    elif isinstance(task, TenantTask):
        raise ValueError(f"{task.name} needs a tenant_id.")

    def send() -> None:
        found = task_named(task) if isinstance(task, str) else task
        if isinstance(found, TenantTask) and "tenant_id" not in kwargs:
            raise ValueError(f"{found.name} needs a tenant_id.")
        found.apply_async(kwargs=kwargs)

    transaction.on_commit(send)
