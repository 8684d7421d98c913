import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import validate_time_zone
from accounts.permissions import sees_every_engagement
from kernel.tenancy import TenantManager, TenantOwned, TenantQuerySet, tenant_key


class EngagementScopedQuerySet(TenantQuerySet):
    """Rows of one tenant, narrowed to the engagements an actor may see."""

    engagement_lookup = "engagement"

    def visible_to(self, actor) -> "EngagementScopedQuerySet":
        if sees_every_engagement(user=actor):
            return self
        member_of = EngagementMember.objects.filter(user=actor).values("engagement_id")
        lookup = "id" if self.engagement_lookup == "self" else f"{self.engagement_lookup}_id"
        return self.filter(**{f"{lookup}__in": member_of})


class EngagementScopedManager(TenantManager.from_queryset(EngagementScopedQuerySet)):
    pass


def engagement_scoped_manager(lookup: str) -> EngagementScopedManager:
    """A default manager for a model that reaches its engagement through ``lookup``."""
    queryset_class = type(
        f"EngagementScopedQuerySet_{lookup}",
        (EngagementScopedQuerySet,),
        {"engagement_lookup": lookup, "__module__": __name__},
    )
    return TenantManager.from_queryset(queryset_class)()


class Engagement(TenantOwned):
    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        IN_TRANSITION = "in_transition", "In transition"
        LIVE = "live", "Live"
        STABILISED = "stabilised", "Stabilised"
        CLOSED = "closed", "Closed"
        ON_HOLD = "on_hold", "On hold"

    class ReviewAnchor(models.TextChoices):
        CONTRACT_SIGNATURE = "contract_signature", "Contract signature"
        GO_LIVE = "go_live", "Go-live"

    # The (tenant, status) index also serves lookups by tenant: no index of its own.
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    client_name = models.CharField(max_length=200)
    provider_name = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    contract_signed_on = models.DateField(help_text="Day 0 of the transition.")
    target_go_live = models.DateField()
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNING)
    review_anchor = models.CharField(
        max_length=20, choices=ReviewAnchor.choices, default=ReviewAnchor.CONTRACT_SIGNATURE
    )
    playbook_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = engagement_scoped_manager("self")

    AUDIT_TYPE = "engagement"
    AUDIT_FIELDS = (
        "name",
        "client_name",
        "provider_name",
        "scope",
        "contract_signed_on",
        "target_go_live",
        "time_zone",
        "status",
        "review_anchor",
        "playbook_key",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "status"], name="engagement_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_engagement(self) -> "Engagement":
        return self

    def today(self) -> datetime.date:
        """Today where the engagement runs: phase dates and measurements use its calendar."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.time_zone))


class EngagementMember(TenantOwned):
    class Side(models.TextChoices):
        CLIENT = "client", "Client"
        PROVIDER = "provider", "Provider"
        PMO = "pmo", "PMO"

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement_memberships"
    )
    side = models.CharField(max_length=10, choices=Side.choices)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "member"
    AUDIT_FIELDS = ("engagement", "user", "side", "role")

    class Meta:
        ordering = ["side", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="one_seat_per_engagement"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_side_display()} {self.get_role_display().lower()})"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement


class Phase(TenantOwned):
    class Kind(models.TextChoices):
        KICKOFF = "kickoff", "Kickoff"
        TRANSITION = "transition", "Transition"
        ACCESS = "access", "Access"
        TOOLING = "tooling", "Tooling"
        CONTROLLED_GO_LIVE = "controlled_go_live", "Controlled go-live"
        STABILISATION = "stabilisation", "Stabilisation"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ACTIVE = "active", "Active"
        AWAITING_DECISION = "awaiting_decision", "Awaiting gate decision"
        COMPLETE = "complete", "Complete"

    ORDER = [kind for kind, _label in Kind.choices]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "phase"
    AUDIT_FIELDS = (
        "engagement",
        "kind",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "status",
    )

    class Meta:
        ordering = ["engagement_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "kind"], name="one_phase_per_kind"),
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(status__in=["active", "awaiting_decision"]),
                name="one_current_phase_per_engagement",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="phase_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement


class Playbook(TenantOwned):
    """A tenant's own copy of a plan, editable; the shipped ones live in playbooks/*.json."""

    # The unique (tenant, key) constraint also serves lookups by tenant: no index of its own.
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    based_on = models.CharField(max_length=80, blank=True)
    definition = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_TYPE = "playbook"
    AUDIT_FIELDS = ("key", "name", "based_on", "definition")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="playbook_key_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name

    audit_engagement = None
