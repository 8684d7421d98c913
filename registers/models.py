"""Governance registers of an engagement: the RAID register with the exception and
clarification log, the escalation path, and who decides what."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from engagements.models import Engagement, EngagementScopedManager
from kernel.tenancy import TenantOwned, tenant_key
from milestones.models import Milestone

# An item still needs work (or, for a decision, agreement) in these statuses. Filter with
# ``status__in=RaidItem.OPEN`` so that the partial due-date indexes serve.
OPEN_STATUSES = ("open", "in_progress", "proposed")

SCALE = (MinValueValidator(1), MaxValueValidator(5))


class RaidItem(TenantOwned):
    """A risk, assumption, action, issue, decision, or an exception and its agreed rule."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        ASSUMPTION = "assumption", "Assumption"
        ACTION = "action", "Action"
        ISSUE = "issue", "Issue"
        DECISION = "decision", "Decision"
        EXCEPTION = "exception", "Exception"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"

    OPEN = OPEN_STATUSES
    CLOSED = ("closed", "agreed")
    # A decision is proposed, then agreed; everything else is worked on, then closed.
    DECISION_STATUSES = ("proposed", "agreed")
    WORK_STATUSES = ("open", "in_progress", "closed")

    # The composite indexes below lead with tenant_id, so the tenant needs no index of its own.
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="raid_items")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, help_text="What it is; for an exception, the situation that arises."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_raid_items"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    probability = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCALE)
    impact = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCALE)
    response = models.TextField(
        blank=True, help_text="The mitigation of a risk, the plan that resolves an issue."
    )
    handling = models.TextField(
        blank=True, help_text="An exception: how different people have handled it so far."
    )
    decision_rule = models.TextField(
        blank=True, help_text="An exception: the one rule everybody now applies."
    )
    agreed_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="RaidAgreement",
        related_name="+",
        blank=True,
    )
    milestones = models.ManyToManyField(
        Milestone, through="RaidItemMilestone", related_name="raid_items", blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EngagementScopedManager()

    # What a person edits on an item, in the order its form shows them: the form, its page and
    # the services all read this list (the links, agreed_by and milestones, travel apart).
    EDITABLE_FIELDS = (
        "title",
        "description",
        "probability",
        "impact",
        "response",
        "handling",
        "decision_rule",
        "owner",
        "due_date",
        "status",
    )
    AUDIT_TYPE = "raid_item"
    AUDIT_FIELDS = (
        "engagement",
        "kind",
        "title",
        "description",
        "owner",
        "due_date",
        "status",
        "probability",
        "impact",
        "response",
        "handling",
        "decision_rule",
        "agreed_by",
        "milestones",
        "closed_at",
        "closed_by",
        "version",
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "RAID item"
        verbose_name_plural = "RAID items"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="decision", status__in=["proposed", "agreed"])
                | (~Q(kind="decision") & Q(status__in=["open", "in_progress", "closed"])),
                name="raid_status_fits_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="risk")
                | Q(probability__gte=1, probability__lte=5, impact__gte=1, impact__lte=5),
                name="raid_risk_is_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "engagement", "due_date"], name="raid_engagement_due"),
            # Reminders across tenants, and a tenant's "due soon" and "overdue" lists.
            models.Index(
                fields=["due_date"], condition=Q(status__in=OPEN_STATUSES), name="raid_open_due"
            ),
            models.Index(
                fields=["tenant", "due_date"],
                condition=Q(status__in=OPEN_STATUSES),
                name="raid_open_due_in_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_decision(self) -> bool:
        return self.kind == self.Kind.DECISION

    @property
    def score(self) -> int | None:
        """A risk's score: probability times impact, 1 to 25."""
        if self.probability is None or self.impact is None:
            return None
        return self.probability * self.impact

    @property
    def severity(self) -> str | None:
        return severity_of(self.score) if self.score is not None else None

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


def severity_of(score: int) -> str:
    """The band a risk score falls in; the heat map colours its cells by it."""
    if score >= 15:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


class RaidItemMilestone(TenantOwned):
    """An item linked to a milestone of the same engagement."""

    item = models.ForeignKey(RaidItem, on_delete=models.CASCADE, related_name="+")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "RAID item milestone"
        constraints = [
            models.UniqueConstraint(fields=["item", "milestone"], name="one_link_per_milestone"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.milestone_id}"


class RaidAgreement(TenantOwned):
    """A member who agreed a decision or an exception's decision rule."""

    item = models.ForeignKey(RaidItem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "RAID agreement"
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="one_agreement_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} agreed {self.item_id}"


class EscalationLevel(TenantOwned):
    """One level of an engagement's escalation path: who to call on each side, how fast."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="escalation_levels"
    )
    level = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120, help_text="Who meets at this level, e.g. team leads.")
    client_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    provider_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    response_hours = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    trigger = models.TextField(blank=True, help_text="When an issue goes to this level.")
    version = models.PositiveIntegerField(default=1)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "escalation_level"
    AUDIT_FIELDS = (
        "engagement",
        "level",
        "name",
        "client_contact",
        "provider_contact",
        "response_hours",
        "trigger",
        "version",
    )

    class Meta:
        ordering = ["engagement_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "level"], name="one_escalation_level"),
        ]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.name}"

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class DecisionRight(TenantOwned):
    """Who approves what: a decision area, its approver, who is consulted and informed."""

    class Side(models.TextChoices):
        CLIENT = "client", "Client"
        PROVIDER = "provider", "Provider"
        JOINT = "joint", "Client and provider"
        PMO = "pmo", "PMO"

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        ANY_MEMBER = "member", "Any member"

    SUGGESTED_AREAS = (
        "Scope changes",
        "Process changes",
        "System access",
        "Go-live",
        "Staffing changes",
        "KPI targets",
        "Commercial changes",
    )

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="decision_rights"
    )
    area = models.CharField(max_length=200)
    approver_side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    approver_role = models.CharField(
        max_length=10, choices=Role.choices, blank=True, default=Role.LEAD
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A named member, when one person decides.",
    )
    consulted = models.CharField(max_length=300, blank=True)
    informed = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "decision_right"
    AUDIT_FIELDS = (
        "engagement",
        "area",
        "approver_side",
        "approver_role",
        "approver",
        "consulted",
        "informed",
        "notes",
        "version",
    )

    class Meta:
        ordering = ["engagement_id", "area", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "area"], name="one_right_per_area"),
            models.CheckConstraint(
                condition=~Q(approver_side="") | Q(approver__isnull=False),
                name="decision_right_has_an_approver",
            ),
        ]

    def __str__(self) -> str:
        return self.area

    @property
    def approver_label(self) -> str:
        """The approver in words: the named member, else the side and role."""
        if self.approver_id is not None:
            return str(self.approver)
        if self.approver_side == self.Side.PMO:
            return "PMO"
        side = self.get_approver_side_display()
        if self.approver_role == self.Role.ANY_MEMBER:
            return f"{side}: any member"
        return f"{side} leads" if self.approver_side == self.Side.JOINT else f"{side} lead"

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement
