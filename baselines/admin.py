from django.contrib import admin

from baselines.models import Baseline, BaselineMilestone, BaselinePhase
from kernel.admin_base import ReadOnlyDomainAdmin


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "reason", "engagement", "saved_by", "saved_at")
    list_filter = ("reason",)
    list_select_related = ("engagement", "saved_by")


@admin.register(BaselineMilestone)
class BaselineMilestoneAdmin(ReadOnlyDomainAdmin):
    list_display = ("title", "phase_kind", "due_date", "baseline")
    list_select_related = ("baseline",)


@admin.register(BaselinePhase)
class BaselinePhaseAdmin(ReadOnlyDomainAdmin):
    list_display = ("kind", "planned_start", "planned_end", "gate_name", "baseline")
    list_select_related = ("baseline",)
