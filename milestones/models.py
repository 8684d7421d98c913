import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from bpo_transition.tenancy import TenantOwned
from engagements.models import Engagement, EngagementScopedManager, Phase


class Milestone(TenantOwned):
    class Side(models.TextChoices):
        CLIENT = "client", "Client"
        PROVIDER = "provider", "Provider"
        JOINT = "joint", "Joint"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        BLOCKED = "blocked", "Blocked"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    CLOSED = (Status.DONE, Status.CANCELLED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_milestones"
    )
    side = models.CharField(max_length=10, choices=Side.choices)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    evidence = models.TextField(blank=True)
    evidence_link = models.URLField(max_length=500, blank=True)
    evidence_required = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    depends_on = models.ManyToManyField(
        "self",
        through="MilestoneDependency",
        symmetrical=False,
        related_name="dependents",
        blank=True,
    )
    # NULL, not "", so that the per-tenant unique constraint ignores milestones without one.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    playbook_key = models.CharField(max_length=80, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "milestone"
    AUDIT_FIELDS = (
        "engagement",
        "phase",
        "title",
        "description",
        "owner",
        "side",
        "due_date",
        "status",
        "evidence",
        "evidence_link",
        "evidence_required",
        "completed_at",
        "completed_by",
        "external_id",
        "depends_on",
        "version",
    )

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="external_id_unique_per_tenant",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "engagement", "due_date"], name="milestone_due"),
            models.Index(fields=["tenant", "owner", "status"], name="milestone_owner"),
            models.Index(fields=["tenant", "updated_at"], name="milestone_updated"),
            # The API pages through a tenant's milestones in public_id order (keyset).
            models.Index(fields=["tenant", "public_id"], name="milestone_keyset"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence.strip() or self.evidence_link.strip())

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement


class MilestoneDependency(TenantOwned):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="+")
    depends_on = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "milestone dependency"
        verbose_name_plural = "milestone dependencies"
        constraints = [
            models.UniqueConstraint(fields=["milestone", "depends_on"], name="one_dependency"),
            models.CheckConstraint(
                condition=~Q(milestone=models.F("depends_on")), name="no_self_dependency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} after {self.depends_on_id}"
