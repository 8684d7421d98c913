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
from kernel.tenancy import TenantOwned, tenant_key

# A milestone still needs work in these statuses (the complement of Milestone.CLOSED). Filter
# with ``status__in=Milestone.OPEN`` (not ``exclude(status__in=CLOSED)``) to use the partial
# due-date indexes.
OPEN_STATUSES = ("not_started", "in_progress", "blocked")


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
    OPEN = OPEN_STATUSES

    # The composite indexes below lead with tenant_id, so the tenant needs no index of its own.
    tenant = tenant_key(db_index=False)
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
            # Covers status, so the portfolio's per-engagement counts (transition.portfolio)
            # read only this tenant's index entries, never the table (PostgreSQL; SQLite
            # ignores INCLUDE).
            models.Index(
                fields=["tenant", "engagement", "due_date"],
                include=["status"],
                name="milestone_due",
            ),
            models.Index(fields=["tenant", "owner", "status"], name="milestone_owner"),
            models.Index(fields=["tenant", "updated_at"], name="milestone_updated"),
            # A tenant's "due soon" and "overdue" lists. (Across tenants, the reminder scan's
            # own covering index on open milestones by due date serves: notifications 0002.)
            models.Index(
                fields=["tenant", "due_date"],
                condition=Q(status__in=OPEN_STATUSES),
                name="milestone_open_due_in_tenant",
            ),
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
        """Evidence text or link; an attached file is proof too (``milestones.rules.has_proof``)."""
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


class MilestoneComment(TenantOwned):
    """One message in a milestone's thread; never edited (a correction is another comment)."""

    # The (tenant, milestone, id) index also serves lookups by tenant.
    tenant = tenant_key(db_index=False)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="milestone_comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = engagement_scoped_manager("milestone__engagement")

    AUDIT_TYPE = "milestone_comment"
    AUDIT_FIELDS = ("milestone", "author", "body")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "milestone", "id"], name="comment_thread")]

    def __str__(self) -> str:
        return f"Comment on {self.milestone_id} by {self.author_id}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.milestone.engagement


def evidence_file_name(instance: "EvidenceFile", filename: str) -> str:
    """Where the bytes are stored: ids only, never the uploader's file name (which is kept
    for display and download in ``original_name``)."""
    return f"evidence/{instance.tenant_id}/{instance.milestone.public_id}/{instance.public_id}"


class EvidenceFile(TenantOwned):
    """A file that proves a milestone done (a signed brief, a test report): it counts as
    evidence like the evidence text or link (``milestones.rules.has_proof``)."""

    # The (tenant, milestone, id) index also serves lookups by tenant.
    tenant = tenant_key(db_index=False)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="files")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    file = models.FileField(upload_to=evidence_file_name, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_evidence"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = engagement_scoped_manager("milestone__engagement")

    AUDIT_TYPE = "evidence_file"
    AUDIT_FIELDS = ("milestone", "original_name", "size", "content_type", "uploaded_by")

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["tenant", "milestone", "id"], name="evidence_files")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def audit_engagement(self) -> "Engagement":
        return self.milestone.engagement
