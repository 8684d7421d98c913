import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from engagements.models import (
    Engagement,
    EngagementScopedManager,
    Phase,
    engagement_scoped_manager,
)
from kernel.tenancy import TenantOwned


class Gate(TenantOwned):
    """The end of a phase: criteria, attestations, and one PMO decision at a time."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REQUESTED = "requested", "Decision requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="gates")
    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="gate")
    name = models.CharField(max_length=200)
    client_attestation_required = models.BooleanField(default=False)
    provider_attestation_required = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EngagementScopedManager()

    AUDIT_TYPE = "gate"
    AUDIT_FIELDS = (
        "engagement",
        "phase",
        "name",
        "client_attestation_required",
        "provider_attestation_required",
        "status",
        "requested_at",
        "requested_by",
    )

    class Meta:
        ordering = ["engagement_id", "phase__position"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement


class GateCriterion(TenantOwned):
    class State(models.TextChoices):
        NOT_MET = "not_met", "Not met"
        MET = "met", "Met"
        WAIVED = "waived", "Waived"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    required = models.BooleanField(default=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.NOT_MET)
    justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = engagement_scoped_manager("gate__engagement")

    AUDIT_TYPE = "gate_criterion"
    AUDIT_FIELDS = (
        "gate",
        "text",
        "required",
        "state",
        "justification",
        "decided_by",
        "decided_at",
    )

    class Meta:
        ordering = ["gate_id", "position", "id"]
        verbose_name_plural = "gate criteria"

    def __str__(self) -> str:
        return self.text

    @property
    def audit_engagement(self) -> "Engagement":
        return self.gate.engagement


class GateAttestation(TenantOwned):
    class Side(models.TextChoices):
        CLIENT = "client", "Client"
        PROVIDER = "provider", "Provider"

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="attestations")
    side = models.CharField(max_length=10, choices=Side.choices)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attested_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    AUDIT_TYPE = "gate_attestation"
    AUDIT_FIELDS = ("gate", "side", "attested_by", "attested_at", "comment")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gate", "side"], name="one_attestation_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} attestation"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An attestation can never be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An attestation can never be deleted.")

    @property
    def audit_engagement(self) -> "Engagement":
        return self.gate.engagement


class GateDecision(TenantOwned):
    """A PMO decision on a gate. Immutable once written."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    criteria_snapshot = models.JSONField(default=list)
    # Approved by the person who requested it, in a tenant that turned four eyes off.
    self_approved = models.BooleanField(default=False)

    AUDIT_TYPE = "gate_decision"
    AUDIT_FIELDS = (
        "gate",
        "outcome",
        "decided_by",
        "decided_at",
        "comment",
        "criteria_snapshot",
        "self_approved",
    )

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            # Two PMO members deciding at once: the database lets only one approval in.
            models.UniqueConstraint(
                fields=["gate"], condition=Q(outcome="approved"), name="one_approval_per_gate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.decided_by}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.gate.engagement

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A gate decision can never be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A gate decision can never be deleted.")
