from django.conf import settings
from django.db import models

from bpo_transition.tenancy import TenantOwned


class Event(TenantOwned):
    """One change to one object: the audit trail, and later the change feed and webhooks.

    Written by services in the same transaction as the change it records, so a rolled-back
    change leaves no entry. A deletion leaves a tombstone (action ``deleted``, no snapshot).
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    # Both indexes below lead with tenant_id, so the tenant needs no index of its own.
    tenant = models.ForeignKey(
        "accounts.Tenant",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=False,
    )
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A plain id, not a foreign key: the trail outlives a deleted engagement.
    engagement_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    snapshot = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Why, when the change says (e.g. a slip).")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["tenant", "id"], name="event_feed"),
            models.Index(fields=["tenant", "object_type", "object_id"], name="event_object"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_label or self.object_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are immutable.")
        super().save(*args, **kwargs)
