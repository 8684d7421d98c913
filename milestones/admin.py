from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from milestones.models import EvidenceFile, Milestone, MilestoneComment, MilestoneDependency


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


@admin.register(MilestoneComment)
class MilestoneCommentAdmin(ReadOnlyDomainAdmin):
    list_display = ("milestone", "author", "created_at")
    list_select_related = ("milestone", "author")
    search_fields = ("body", "milestone__title")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyDomainAdmin):
    list_display = ("original_name", "milestone", "content_type", "size", "uploaded_by")
    list_select_related = ("milestone", "uploaded_by")
    search_fields = ("original_name", "milestone__title")
    # The stored name is an internal path; the file is downloaded from the milestone page.
    exclude = ("file",)
