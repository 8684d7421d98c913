from django.contrib import admin

from bpo_transition.admin_base import ReadOnlyDomainAdmin
from milestones.models import Milestone, MilestoneDependency


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "title",
        "engagement",
        "phase",
        "owner",
        "side",
        "due_date",
        "status",
        "version",
    )
    list_filter = ("status", "side", "phase__kind", "evidence_required")
    search_fields = ("title", "external_id", "engagement__name")
    date_hierarchy = "due_date"
    list_select_related = ("engagement", "phase", "owner")


@admin.register(MilestoneDependency)
class MilestoneDependencyAdmin(ReadOnlyDomainAdmin):
    list_display = ("milestone", "depends_on")
    list_select_related = ("milestone", "depends_on")
