"""The tenant boundary, enforced in one place.

The active tenant lives in a context variable. It is entered once per request
(``accounts.middleware``: ``ActiveTenantMiddleware`` for sessions, ``TenantScopedAPIMixin``
for API tokens, both through ``resolve_tenant``), by a Celery task (``TenantTask``, from the
``tenant_id`` it was sent with), by a thread (``in_this_tenant`` carries the context over),
or by a service from the object it changes (``tenant_of``). Every tenant-owned model's default
manager filters by it, and evaluating such a query with no active tenant raises
``TenantScopeMissing`` instead of silently returning every tenant's rows.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db import models

# The tenant is ``accounts.Tenant``, named as a string: the kernel imports no app.
Tenant = Any


@dataclass
class _Scope:
    tenant_id: int
    tenant: Tenant | None = None


_active: ContextVar[_Scope | None] = ContextVar("active_tenant", default=None)


class TenantScopeMissing(RuntimeError):
    """A tenant-owned table was queried with no active tenant: a programming error."""


def get_active_tenant_id() -> int | None:
    scope = _active.get()
    return scope.tenant_id if scope is not None else None


def get_active_tenant() -> Tenant | None:
    """The active tenant, loaded once per scope when only its id was entered."""
    scope = _active.get()
    if scope is None:
        return None
    if scope.tenant is None:
        # By name, not by import: the kernel imports no app.
        tenant_model = django_apps.get_model("accounts", "Tenant")
        scope.tenant = tenant_model.objects.get(pk=scope.tenant_id)
    return scope.tenant


def enter_tenant(tenant: Tenant | None) -> None:
    """Make ``tenant`` the active one for the rest of the current scope (for an entry point that
    learns its tenant late, such as an API view after authentication; ``tenant_context`` is the
    scope it ends with)."""
    _active.set(_Scope(tenant_id=tenant.pk, tenant=tenant) if tenant is not None else None)


@contextmanager
def tenant_context(tenant: Tenant | int | None) -> Iterator[Tenant | int | None]:
    """Run a block inside one tenant (a Tenant or its id), or inside none."""
    if tenant is None:
        scope = None
    elif isinstance(tenant, int):
        scope = _Scope(tenant_id=tenant)
    else:
        scope = _Scope(tenant_id=tenant.pk, tenant=tenant)
    token = _active.set(scope)
    try:
        yield tenant
    finally:
        _active.reset(token)


def tenant_of(*params: str) -> Callable:
    """Decorate a service so it runs in the tenant of the object it was given.

    ``@tenant_of("milestone")`` enters ``milestone.tenant_id`` for the call, whichever tenant
    happens to be active: a service takes its tenant from what it changes, never from the
    surroundings. The first named keyword argument that is present is used.
    """

    def decorate(service: Callable) -> Callable:
        @functools.wraps(service)
        def run(*args: Any, **kwargs: Any) -> Any:
            for param in params:
                owner = kwargs.get(param)
                if owner is not None:
                    tenant_id = owner.pk if param == "tenant" else owner.tenant_id
                    with tenant_context(tenant_id):
                        return service(*args, **kwargs)
            raise TypeError(f"{service.__name__} needs one of: {', '.join(params)}.")

        return run

    return decorate


def in_this_tenant(function: Callable) -> Callable:
    """Wrap ``function`` to run in a copy of the caller's context (its tenant included).

    Threads start with an empty context; pass the wrapped function as a thread's target or to
    an executor: ``Thread(target=in_this_tenant(work))``.
    """
    context = contextvars.copy_context()

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        return context.copy().run(function, *args, **kwargs)

    return run


def stream_in_tenant(chunks: Iterable, tenant_id: int | None) -> Iterator:
    """A streaming body generated chunk by chunk inside the request's tenant.

    The server pulls a streaming response's body after the middleware has returned, outside
    the request's context; each chunk is produced back inside it.
    """
    iterator = iter(chunks)
    while True:
        with tenant_context(tenant_id):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class TenantQuerySet(models.QuerySet):
    """A queryset that refuses to run unless it was scoped to one tenant."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_scoped = False

    def _clone(self) -> TenantQuerySet:
        clone = super()._clone()
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def none(self) -> TenantQuerySet:
        # An empty result leaks nothing, so it needs no tenant.
        empty = super().none()
        empty._tenant_scoped = True
        return empty

    def _require_scope(self) -> None:
        if not self._tenant_scoped:
            raise TenantScopeMissing(
                f"{self.model.__name__} was queried with no active tenant; "
                "wrap the code in tenant_context(tenant)."
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def _iterator(self, *args: Any, **kwargs: Any):
        self._require_scope()
        return super()._iterator(*args, **kwargs)

    def count(self) -> int:
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        self._require_scope()
        return super().delete()

    delete.alters_data = True

    def explain(self, **options: Any) -> str:
        self._require_scope()
        return super().explain(**options)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: rows of the active tenant only."""

    def get_queryset(self) -> TenantQuerySet:
        queryset = super().get_queryset()
        tenant_id = get_active_tenant_id()
        if tenant_id is None:
            return queryset
        queryset = queryset.filter(tenant_id=tenant_id)
        queryset._tenant_scoped = True
        return queryset


def tenant_key(*, db_index: bool = True) -> models.ForeignKey:
    """The tenant column of a tenant-owned row. A model whose composite indexes all lead with
    the tenant redefines it with ``tenant_key(db_index=False)``: no index of its own."""
    return models.ForeignKey(
        "accounts.Tenant",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=db_index,
    )


class TenantOwned(models.Model):
    """Abstract base of every row of business data: it belongs to exactly one tenant."""

    tenant = tenant_key()

    objects = TenantManager()

    class Meta:
        # Related-object access (milestone.phase) uses Django's plain base manager: the row
        # it starts from was already scoped.
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        tenant_id = get_active_tenant_id()
        if self.tenant_id is None and tenant_id is not None:
            self.tenant_id = tenant_id
        if tenant_id is not None and self.tenant_id != tenant_id:
            raise TenantScopeMissing(f"Refusing to save a {type(self).__name__} of another tenant.")
        super().save(*args, **kwargs)


def is_tenant_owned(model: type[models.Model]) -> bool:
    return issubclass(model, TenantOwned)
