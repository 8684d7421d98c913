"""The reminder ledger, in-app notifications, digests and the settings that shape them.

One ``Reminder`` row per (occasion kind, object, recipient, occasion date), enforced by a
unique constraint: the scan inserts with ON CONFLICT DO NOTHING, so a beat that fires twice,
or two workers scanning at once, write one row, and everything sent hangs off that row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from engagements.models import Engagement
from kernel.occasions import lead_days_mask, lead_days_of
from kernel.tenancy import TenantOwned, tenant_key

# The lead times a tenant has by default: 3 days and 1 day before a due date.
DEFAULT_LEAD_DAYS = (3, 1)
DEFAULT_LEAD_DAYS_MASK = lead_days_mask(DEFAULT_LEAD_DAYS)
DEFAULT_ESCALATE_AFTER_DAYS = 3
DEFAULT_ACTION_OVERDUE_DAYS = 7
DEFAULT_ACCESS_APPROVAL_DAYS = 3
# What a tenant without a policy has, by setting (the scan's SQL reads them by these names).
DEFAULT_SETTINGS = {
    "lead_days_mask": DEFAULT_LEAD_DAYS_MASK,
    "escalate_after_days": DEFAULT_ESCALATE_AFTER_DAYS,
    "action_overdue_days": DEFAULT_ACTION_OVERDUE_DAYS,
    "access_approval_days": DEFAULT_ACCESS_APPROVAL_DAYS,
}


class Kind(models.TextChoices):
    """Each occasion a reminder is sent for; a person turns e-mail on or off per kind."""

    MILESTONE_DUE_SOON = "milestone_due_soon", "Milestone due soon"
    MILESTONE_OVERDUE = "milestone_overdue", "Milestone overdue"
    MILESTONE_OVERDUE_LEAD = "milestone_overdue_lead", "Overdue milestone on my side (as lead)"
    GATE_AWAITING_DECISION = "gate_awaiting_decision", "Gate awaiting a PMO decision"
    GATE_CRITERIA_OPEN = "gate_criteria_open", "Gate criteria open near the phase's end"
    REVIEW_UPCOMING = "review_upcoming", "Review in 3 days"
    REVIEW_UNPUBLISHED = "review_unpublished", "Review not yet published"
    ACTION_DUE_SOON = "action_due_soon", "Corrective action due soon"
    ACTION_OVERDUE = "action_overdue", "Corrective action overdue"
    RAID_DUE_SOON = "raid_due_soon", "RAID item due soon"
    RAID_OVERDUE = "raid_overdue", "RAID item overdue"
    DRIFT_ALERT = "drift_alert", "KPI drifting (as lead)"
    ROSTER_ACCESS_WAITING = (
        "roster_access_waiting",
        "Access approvals waiting on the client (as client lead)",
    )
    ROSTER_START_NOT_READY = (
        "roster_start_not_ready",
        "Roster person starting soon, not ready (as provider lead)",
    )
    ROSTER_WAVE_NOT_READY = "roster_wave_not_ready", "Wave going live soon, not ready"
    FORECAST_PAST_TARGET = "forecast_past_target", "Go-live forecast past its target"


class ReminderPolicy(TenantOwned):
    """A tenant's reminder settings; a tenant without a row gets the defaults."""

    # Its composite indexes lead with the tenant: no index of its own.
    tenant = tenant_key(db_index=False)

    lead_days_mask = models.PositiveIntegerField(
        default=DEFAULT_LEAD_DAYS_MASK, help_text="Bit n set: remind n days before a due date."
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ESCALATE_AFTER_DAYS,
        help_text="Days a milestone is overdue before its side's lead is reminded too.",
    )
    action_overdue_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ACTION_OVERDUE_DAYS,
        help_text="Days an overdue corrective action is chased (an action has no done state).",
    )
    access_approval_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ACCESS_APPROVAL_DAYS,
        help_text="Days a roster access request waits on the client before its leads are "
        "reminded (every day after, until approved or refused).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_TYPE = "reminder_policy"
    AUDIT_FIELDS = (
        "lead_days_mask",
        "escalate_after_days",
        "action_overdue_days",
        "access_approval_days",
    )
    audit_engagement = None

    class Meta:
        verbose_name_plural = "reminder policies"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="one_reminder_policy_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"Reminders {', '.join(str(d) for d in self.lead_days)} days before"

    @property
    def lead_days(self) -> list[int]:
        return lead_days_of(self.lead_days_mask)


class Digest(TenantOwned):
    """One e-mail a day collecting a person's reminders of one tenant."""

    # Its composite indexes lead with the tenant: no index of its own.
    tenant = tenant_key(db_index=False)

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    local_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-local_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "recipient", "local_date"], name="one_digest_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.local_date} for {self.recipient}"


class Reminder(TenantOwned):
    """The ledger: one occasion for one person, pending until it has been delivered.

    Not audited: the ledger is itself the record of what was sent, when, after how many tries.
    """

    # Its composite indexes lead with the tenant: no index of its own.
    tenant = tenant_key(db_index=False)

    Kind = Kind

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        DIGEST = "digest", "Daily digest"
        IN_APP = "in_app", "In-app only"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    # The primary key of the milestone, gate, review, KPI result, RAID item or drift alert
    # that ``kind`` is about.
    object_id = models.BigIntegerField()
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    # The recipient's local date the occasion falls on.
    occasion_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    skipped_reason = models.CharField(max_length=200, blank=True)
    # When a pending reminder may next be handed to a worker (a lease while one has it).
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-occasion_date", "id"]
        constraints = [
            # The date first: a day's rows are written at the right edge of this index, and
            # a scan's conflict probes stay among that day's entries, however long the ledger.
            models.UniqueConstraint(
                fields=["occasion_date", "kind", "object_id", "recipient"],
                name="one_reminder_per_occasion",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="reminder_pending_due",
            ),
            models.Index(
                fields=["tenant", "recipient", "status", "channel"],
                name="reminder_recipient_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occasion_date} for {self.recipient}"


class Notification(TenantOwned):
    """What a person sees in the notification centre: one per reminder, never two."""

    # Its composite indexes lead with the tenant: no index of its own.
    tenant = tenant_key(db_index=False)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reminder = models.OneToOneField(Reminder, on_delete=models.CASCADE, related_name="notification")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=300)
    # For a reminder about a date: what is due and when, so that the centre words the title
    # when it is read ("is due in 1 day", "is 1 day overdue"), not when it was made.
    subject = models.CharField(max_length=300, blank=True)
    due_on = models.DateField(null=True, blank=True)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["tenant", "recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """How a person wants reminders: e-mail per kind, at once or in one daily digest.

    Personal, not tenant data: it holds for every tenant the person works in. A person
    without a row gets every kind by e-mail, at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    daily_digest = models.BooleanField(default=False)
    email_off = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def wants_email(self, kind: str) -> bool:
        return kind not in self.email_off


class ScanMark(models.Model):
    """A time zone's local day that a scan has covered for every tenant (see ``run_scan``).

    Global scan state, not tenant data. A repeat scan on the same day runs the occasions there
    only for tenants changed since (``ScanCursor``), unless the mark is older than the full
    scan interval or than the last change the audit log does not see (``ScanGeneration``).
    """

    zone = models.CharField(max_length=64, primary_key=True)
    local_date = models.DateField()
    generation = models.BigIntegerField()
    scanned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.zone} scanned for {self.local_date} at {self.scanned_at:%H:%M} UTC"


class ScanCursor(models.Model):
    """A tenant's change-feed position whose changes every marked zone's day has seen."""

    tenant_id = models.BigIntegerField(primary_key=True)
    position = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Tenant {self.tenant_id} scanned up to {self.position}"


class ScanGeneration(models.Model):
    """One row, bumped by a change that reminders depend on but the audit log does not see
    (a person's time zone or active flag, a tenant's time zone): it voids every ScanMark."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Scan generation {self.value}"
