from django.contrib import admin

from engagements.models import Engagement, EngagementMember, Phase, Playbook
from kernel.admin_base import ReadOnlyDomainAdmin


class EngagementMemberInline(admin.TabularInline):
    model = EngagementMember
    extra = 0
    fields = ("user", "side", "role")
    readonly_fields = fields


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "name",
        "client_name",
        "provider_name",
        "status",
        "contract_signed_on",
        "target_go_live",
        "playbook_key",
    )
    list_filter = ("status", "playbook_key")
    search_fields = ("name", "client_name", "provider_name")
    date_hierarchy = "contract_signed_on"
    inlines = [EngagementMemberInline]


@admin.register(EngagementMember)
class EngagementMemberAdmin(ReadOnlyDomainAdmin):
    list_display = ("user", "engagement", "side", "role")
    list_filter = ("side", "role")
    search_fields = ("user__username", "engagement__name")
    list_select_related = ("user", "engagement")


@admin.register(Phase)
class PhaseAdmin(ReadOnlyDomainAdmin):
    list_display = ("engagement", "position", "kind", "status", "planned_start", "planned_end")
    list_filter = ("kind", "status")
    search_fields = ("engagement__name",)
    list_select_related = ("engagement",)


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "key", "based_on", "updated_at")
    search_fields = ("name", "key")
