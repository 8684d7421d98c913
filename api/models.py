"""API tokens and idempotency keys: how other systems reach a tenant's data over the API."""

import uuid

from django.conf import settings
from django.db import models

from kernel.tenancy import TenantManager, TenantOwned, tenant_key


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


class WebhookSubscription(TenantOwned):
    """A URL of the tenant's that is POSTed the events it subscribed to, signed.

    ``secret`` signs every delivery (HMAC-SHA256), so it is kept as issued: it is shown once,
    when the subscription is created, and never again by any page or endpoint.
    ``last_position`` is how far the change feed has been walked for this subscription.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_position = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disabled_reason = models.CharField(max_length=300, blank=True)

    objects = TenantManager()
    # Only the beat task that walks every tenant's subscriptions uses it, to find the tenants.
    every_tenant = models.Manager()

    AUDIT_TYPE = "webhook"
    AUDIT_FIELDS = ("url", "event_types", "active")
    audit_engagement = None

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantOwned):
    """One event sent (or being sent) to one subscription: never two for the same pair."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("audit.Event", on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="one_delivery_per_event_and_subscription"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription_id}"
