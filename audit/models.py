from django.conf import settings
from django.db import models

from kernel.tenancy import TenantOwned, tenant_key


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
    tenant = tenant_key(db_index=False)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What the consumer asked for (``gate.approved``), shared by every row one service call
    # wrote (``correlation_id``): a feed shows one approval, not five row changes.
    operation = models.CharField(max_length=60)
    correlation_id = models.UUIDField(db_index=True)
    # The change feed's commit-ordered cursor; assigned by the feed (see the API), null until.
    position = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain values, not a foreign key: the trail outlives a deleted engagement. The integer is
    # for filtering by visibility inside the server; the UUID is what leaves it.
    engagement_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    engagement_uuid = models.UUIDField(null=True, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    # The object's audited values after the change (for a creation, its only record of them);
    # ``changes`` holds [old, new] pairs of an update, or the last values of a deletion.
    snapshot = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Why, when the change says (e.g. a slip).")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["tenant", "id"], name="event_feed"),
            models.Index(fields=["tenant", "object_type", "object_id"], name="event_object"),
            models.Index(
                fields=["tenant", "position"],
                condition=models.Q(position__isnull=False),
                name="event_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_label or self.object_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # What is gone is said by a tombstone event; PostgreSQL refuses this too.
        raise ValueError("Audit events are never deleted: a deletion is recorded as a tombstone.")


class FeedCounter(models.Model):
    """The last change-feed position handed out in a tenant.

    Taking the next positions updates this row, which locks it until the writing transaction
    ends: two transactions of one tenant that write events are serialised from their first
    event on, so positions are handed out in commit order. Tenants never wait for each other.
    """

    tenant = models.OneToOneField(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", primary_key=True
    )
    last_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant_id} at {self.last_position}"
