"""API tokens and idempotency keys: how other systems reach a tenant's data over the API."""

import uuid

from django.conf import settings
from django.db import models

from bpo_transition.tenancy import TenantManager, TenantOwned, tenant_key


class ApiToken(TenantOwned):
    """A bearer token: one user in one tenant, read-only or read-write, revocable.

    Only an HMAC of the secret is stored; ``prefix`` (not secret) finds the row.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    # The one read that is not scoped to a tenant: authentication finds the token (and through
    # it the tenant) before any tenant is active. Only api.selectors.token_for_secret uses it.
    authenticating = models.Manager()

    AUDIT_TYPE = "api_token"
    AUDIT_FIELDS = ("name", "user", "prefix", "read_only", "revoked_at")
    audit_engagement = None

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at", "id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(TenantOwned):
    """The first successful response to a POST sent with an ``Idempotency-Key`` header.

    Inserted in the transaction of the work it guards: a concurrent retry waits on the unique
    constraint, then finds the stored response instead of doing the work again. A refused or
    failed request rolls its key back, so a retry runs again. Keys expire after 24 hours.
    """

    # The unique (tenant, caller, key) constraint also serves lookups by tenant.
    tenant = tenant_key(db_index=False)

    caller = models.CharField(max_length=60, help_text="token:<uuid> or user:<uuid>")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    created_at = models.DateTimeField(db_index=True)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "idempotent response"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "caller", "key"], name="one_idempotency_key_per_caller"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.caller})"
