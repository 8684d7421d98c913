from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from reporting.models import (
    DriftAlert,
    ForwardTarget,
    Kpi,
    KpiMeasurement,
    Review,
    ReviewKpiResult,
    ReviewReport,
)


@admin.register(Kpi)
class KpiAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "engagement", "target", "unit", "direction", "contractual_from")
    list_filter = ("direction",)
    search_fields = ("name", "engagement__name")
    list_select_related = ("engagement",)


@admin.register(KpiMeasurement)
class KpiMeasurementAdmin(ReadOnlyDomainAdmin):
    list_display = ("kpi", "measured_on", "value")
    date_hierarchy = "measured_on"
    list_select_related = ("kpi",)


class ReviewKpiResultInline(admin.TabularInline):
    model = ReviewKpiResult
    extra = 0
    fields = (
        "kpi",
        "value",
        "target",
        "met",
        "root_cause",
        "corrective_action",
        "action_owner",
        "action_due",
    )
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(ReadOnlyDomainAdmin):
    list_display = ("__str__", "engagement", "scheduled_on", "status", "published_at")
    list_filter = ("status", "day")
    search_fields = ("engagement__name",)
    list_select_related = ("engagement",)
    inlines = [ReviewKpiResultInline]


@admin.register(ReviewKpiResult)
class ReviewKpiResultAdmin(ReadOnlyDomainAdmin):
    list_display = ("kpi", "review", "value", "target", "met")
    list_filter = ("met",)
    list_select_related = ("kpi", "review")


@admin.register(ForwardTarget)
class ForwardTargetAdmin(ReadOnlyDomainAdmin):
    list_display = ("kpi", "review", "target")
    list_select_related = ("kpi", "review")


# --- Drift alerts and stored review reports -----------------------------------------------------


@admin.register(DriftAlert)
class DriftAlertAdmin(ReadOnlyDomainAdmin):
    list_display = ("kpi", "kind", "started_week", "ended_week")
    list_filter = ("kind",)
    list_select_related = ("kpi",)


@admin.register(ReviewReport)
class ReviewReportAdmin(ReadOnlyDomainAdmin):
    list_display = ("review", "generated_at", "generated_by", "size", "sha256")
    list_select_related = ("review", "generated_by")
    # The file is served only by the report view, which checks who asks; not by a link here.
    exclude = ("file",)
