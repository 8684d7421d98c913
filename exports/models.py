import uuid

from django.conf import settings
from django.db import models

from kernel.tenancy import TenantOwned, tenant_key


class CalendarFeed(TenantOwned):
    """A person's secret calendar link in one tenant.

    Calendar clients cannot sign in, so the link itself is the credential: only a hash of its
    token is stored (the link is shown once, when it is made), and a request finds its feed,
    and so its tenant, by that hash. Regenerating replaces the hash: the old link stops working.
    """

    # The unique (tenant, user) constraint also serves lookups by tenant: no index of its own.
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()

    AUDIT_TYPE = "calendar_feed"
    # Never the hash: the event log feeds the API and webhooks.
    AUDIT_FIELDS = ("user", "created_at")
    audit_engagement = None

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="one_calendar_feed_per_person"),
        ]

    def __str__(self) -> str:
        return f"Calendar link of {self.user}"
