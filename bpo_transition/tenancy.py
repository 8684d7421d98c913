"""The tenant boundary, enforced in one place.

The active tenant lives in a context variable set once per request (``ActiveTenantMiddleware``)
or explicitly by a task or command (``tenant_context``). Every tenant-owned model's default
manager filters by it, and evaluating such a query with no active tenant raises
``TenantScopeMissing`` instead of silently returning every tenant's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Tenant

_active_tenant: ContextVar[Tenant | None] = ContextVar("active_tenant", default=None)


class TenantScopeMissing(RuntimeError):
    """A tenant-owned table was queried with no active tenant: a programming error."""


def get_active_tenant() -> Tenant | None:
    return _active_tenant.get()


@contextmanager
def tenant_context(tenant: Tenant | None) -> Iterator[Tenant | None]:
    token = _active_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _active_tenant.reset(token)


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
        tenant = get_active_tenant()
        if tenant is None:
            return queryset
        queryset = queryset.filter(tenant_id=tenant.pk)
        queryset._tenant_scoped = True
        return queryset


class TenantOwned(models.Model):
    """Abstract base of every row of business data: it belongs to exactly one tenant."""

    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantManager()

    class Meta:
        # Related-object access (milestone.phase) uses Django's plain base manager: the row
        # it starts from was already scoped.
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        tenant = get_active_tenant()
        if self.tenant_id is None and tenant is not None:
            self.tenant = tenant
        if tenant is not None and self.tenant_id != tenant.pk:
            raise TenantScopeMissing(f"Refusing to save a {type(self).__name__} of another tenant.")
        super().save(*args, **kwargs)


def is_tenant_owned(model: type[models.Model]) -> bool:
    return issubclass(model, TenantOwned)


class ActiveTenantMiddleware:
    """Resolve the request's tenant once: the session's choice among the user's memberships."""

    SESSION_KEY = "active_tenant_id"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from accounts.selectors import resolve_active_membership

        request.tenant = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = resolve_active_membership(
                user=user, tenant_id=request.session.get(self.SESSION_KEY)
            )
            if membership is not None:
                request.membership = membership
                request.tenant = membership.tenant
                request.session[self.SESSION_KEY] = membership.tenant_id
        with tenant_context(request.tenant):
            return self.get_response(request)
