import uuid

from django.conf import settings
from django.db import models

from engagements.models import Engagement, EngagementScopedManager, engagement_scoped_manager
from kernel.tenancy import TenantOwned

# The four questions the day-90 review answers, by the field that holds each answer.
DAY_90_QUESTIONS = {
    "target_standing": "Is the service at, above or below target?",
    "misses_understood": "Is each miss understood, and is its fix working?",
    "lessons_learned": "What was learned that was not known at launch?",
    "next_period_changes": "What changes for the next 90 days?",
}


class Kpi(TenantOwned):
    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="kpis")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    contractual_from = models.DateField(null=True, blank=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "kpi"
    AUDIT_FIELDS = ("engagement", "key", "name", "unit", "target", "direction", "contractual_from")

    class Meta:
        ordering = ["engagement_id", "name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["engagement", "key"], name="kpi_key_per_engagement"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement

    def is_met_by(self, value) -> bool:
        if self.direction == self.Direction.HIGHER:
            return value >= self.target
        return value <= self.target


class KpiMeasurement(TenantOwned):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    objects = engagement_scoped_manager("kpi__engagement")

    AUDIT_TYPE = "kpi_measurement"
    AUDIT_FIELDS = ("kpi", "measured_on", "value")

    class Meta:
        verbose_name = "KPI measurement"
        verbose_name_plural = "KPI measurements"
        ordering = ["kpi_id", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="one_value_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.measured_on}: {self.value}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.kpi.engagement


class Review(TenantOwned):
    """A checkpoint at day 14, 30, 45, 60 or 90 that holds every KPI against its target."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    DAYS = (14, 30, 45, 60, 90)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    day = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    focus = models.TextField(blank=True)
    scheduled_on = models.DateField()
    window_days = models.PositiveSmallIntegerField(default=14)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The day-90 review's four questions.
    target_standing = models.TextField(blank=True, help_text="At, above or below target?")
    misses_understood = models.TextField(
        blank=True, help_text="Is each miss understood and is its fix working?"
    )
    lessons_learned = models.TextField(
        blank=True, help_text="What was learned that was not known at launch?"
    )
    next_period_changes = models.TextField(
        blank=True, help_text="What changes for the next 90 days: volume, scope, type, targets?"
    )
    # PMO's override, printed in the report: why it was published before its window closed,
    # or with KPIs that had no data in the window.
    published_early = models.BooleanField(default=False)
    publish_reason = models.TextField(blank=True)
    # The PDF being rendered in the background: when it was asked for (empty when none is in
    # flight) and why the last attempt failed.
    report_requested_at = models.DateTimeField(null=True, blank=True)
    report_failure = models.TextField(blank=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "review"
    AUDIT_FIELDS = (
        "engagement",
        "day",
        "title",
        "scheduled_on",
        "window_days",
        "status",
        "published_at",
        "published_by",
        "published_early",
        "publish_reason",
        "target_standing",
        "misses_understood",
        "lessons_learned",
        "next_period_changes",
    )

    class Meta:
        ordering = ["engagement_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "day"], name="one_review_per_day"),
        ]

    def __str__(self) -> str:
        return f"Day-{self.day} review"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.engagement


class ReviewKpiResult(TenantOwned):
    """One KPI in one review: its value over the window, the target, and why it missed."""

    class Outcome(models.TextChoices):
        MET = "met", "Met"
        MISSED = "missed", "Missed"
        # No measurement in the window: never counted as met or as missed.
        NO_DATA = "no_data", "No data"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="results")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="review_results")
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    met = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.NO_DATA)
    root_cause = models.TextField(blank=True)
    corrective_action = models.TextField(blank=True)
    action_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_due = models.DateField(null=True, blank=True)

    objects = engagement_scoped_manager("review__engagement")

    AUDIT_TYPE = "review_result"
    AUDIT_FIELDS = (
        "review",
        "kpi",
        "value",
        "target",
        "met",
        "outcome",
        "root_cause",
        "corrective_action",
        "action_owner",
        "action_due",
    )

    class Meta:
        verbose_name = "review KPI result"
        verbose_name_plural = "review KPI results"
        ordering = ["review_id", "kpi__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kpi"], name="one_result_per_kpi"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} in {self.review}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.review.engagement

    @property
    def explained(self) -> bool:
        return bool(
            self.root_cause.strip()
            and self.corrective_action.strip()
            and self.action_owner_id
            and self.action_due
        )


class ForwardTarget(TenantOwned):
    """The day-90 review's target for a KPI over days 91-180."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="forward_targets")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="+")
    target = models.DecimalField(max_digits=14, decimal_places=4)

    AUDIT_TYPE = "forward_target"
    AUDIT_FIELDS = ("review", "kpi", "target")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "kpi"], name="one_forward_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.target}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.review.engagement


# --- Drift alerts and stored review reports -----------------------------------------------------


class DriftAlert(TenantOwned):
    """One episode of a KPI drifting: below its target, or worse three weeks running while
    still on target. Open (``ended_week`` empty) until the KPI recovers; a later episode is a
    new alert. Opened and closed only by ``reporting.drift_alerts.detect_drift``."""

    class Kind(models.TextChoices):
        BELOW_TARGET = "below_target", "Below target"
        WORSENING = "worsening", "Worse three weeks running"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="drift_alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_week = models.DateField(help_text="Monday of the first week the episode held.")
    ended_week = models.DateField(
        null=True, blank=True, help_text="Monday of the week the KPI recovered; empty while open."
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = engagement_scoped_manager("kpi__engagement")

    AUDIT_TYPE = "drift_alert"
    AUDIT_FIELDS = ("kpi", "kind", "started_week", "ended_week")

    class Meta:
        ordering = ["-started_week", "kpi_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "kind"],
                condition=models.Q(ended_week__isnull=True),
                name="one_open_drift_alert_per_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "kpi"],
                condition=models.Q(ended_week__isnull=True),
                name="drift_alert_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.get_kind_display().lower()} from {self.started_week}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.kpi.engagement

    @property
    def is_open(self) -> bool:
        return self.ended_week is None


def review_report_path(report: "ReviewReport", filename: str) -> str:
    return f"review-reports/{report.tenant_id}/{report.review.public_id}/{filename}"


class ReviewReport(TenantOwned):
    """The PDF of a published review, generated once and kept: the document leadership
    received never changes afterwards. Served only through a view that checks who asks."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(upload_to=review_report_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = engagement_scoped_manager("review__engagement")

    AUDIT_TYPE = "review_report"
    AUDIT_FIELDS = ("review", "sha256", "size", "generated_by")

    class Meta:
        ordering = ["review_id"]

    def __str__(self) -> str:
        return f"Report of the {self.review}"

    @property
    def audit_engagement(self) -> "Engagement":
        return self.review.engagement
