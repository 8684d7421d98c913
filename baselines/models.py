"""Baselines: saved copies of an engagement's plan dates that no re-plan changes.

A baseline keeps every milestone's due date and every phase's (and so its gate's) planned
dates as they were when it was saved: at the transition's start, at each gate approval, or
when PMO names one.
"""

import uuid

from django.conf import settings
from django.db import models

from engagements.models import Engagement, Phase, engagement_scoped_manager
from kernel.tenancy import TenantOwned, tenant_key
from milestones.models import Milestone


class Baseline(TenantOwned):
    class Reason(models.TextChoices):
        STARTED = "started", "Transition started"
        GATE_APPROVED = "gate_approved", "Gate approved"
        NAMED = "named", "Saved by PMO"

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No database constraint on the references to the plan (here and in the rows below): a
    # baseline is saved inside a gate's approval, which holds its phases locked, and the
    # constraint's check would take a share lock on the engagement, each milestone and phase
    # that a concurrent change holds while it waits for those phases: a deadlock. The rows
    # are a snapshot (as the event log keeps ``engagement_id`` as a plain number); Django
    # still cascades and nulls them when a referenced row is deleted.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="baselines", db_constraint=False
    )
    name = models.CharField(max_length=120)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField()

    objects = engagement_scoped_manager("engagement")

    AUDIT_TYPE = "baseline"
    AUDIT_FIELDS = ("engagement", "name", "reason", "note", "saved_by", "saved_at")

    class Meta:
        ordering = ["engagement_id", "saved_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"], name="baseline_name_unique_per_engagement"
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "engagement", "saved_at"], name="baseline_by_engagement"
            ),
            models.Index(fields=["tenant", "public_id"], name="baseline_keyset"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class BaselineMilestone(TenantOwned):
    """A milestone's due date in a baseline (its title kept, should it be renamed or deleted)."""

    tenant = tenant_key(db_index=False)
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, related_name="+", db_constraint=False
    )
    phase_kind = models.CharField(max_length=20, choices=Phase.Kind.choices)
    title = models.CharField(max_length=200)
    due_date = models.DateField()

    objects = engagement_scoped_manager("baseline__engagement")

    class Meta:
        ordering = ["baseline_id", "due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "milestone"], name="baseline_milestone_once"
            ),
        ]
        # The tenant's rows of one baseline: what every read of a baseline asks.
        indexes = [models.Index(fields=["tenant", "baseline"], name="baseline_milestone_in_tenant")]

    def __str__(self) -> str:
        return f"{self.title}: {self.due_date}"


class BaselinePhase(TenantOwned):
    """A phase's planned dates in a baseline; its gate falls on the planned end."""

    tenant = tenant_key(db_index=False)
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="phases")
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=20, choices=Phase.Kind.choices)
    position = models.PositiveSmallIntegerField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    gate_name = models.CharField(max_length=200, blank=True)

    objects = engagement_scoped_manager("baseline__engagement")

    class Meta:
        ordering = ["baseline_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "phase"], name="baseline_phase_once"),
        ]
        indexes = [models.Index(fields=["tenant", "baseline"], name="baseline_phase_in_tenant")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.planned_start} to {self.planned_end}"
