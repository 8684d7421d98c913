from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from registers.models import (
    DecisionRight,
    EscalationLevel,
    RaidAgreement,
    RaidItem,
    RaidItemMilestone,
)


@admin.register(RaidItem)
class RaidItemAdmin(ReadOnlyDomainAdmin):
    list_display = ("title", "kind", "engagement", "owner", "due_date", "status", "version")
    list_filter = ("kind", "status")
    search_fields = ("title", "engagement__name")
    date_hierarchy = "due_date"
    list_select_related = ("engagement", "owner")


@admin.register(RaidItemMilestone)
class RaidItemMilestoneAdmin(ReadOnlyDomainAdmin):
    list_display = ("item", "milestone")
    list_select_related = ("item", "milestone")


@admin.register(RaidAgreement)
class RaidAgreementAdmin(ReadOnlyDomainAdmin):
    list_display = ("item", "user")
    list_select_related = ("item", "user")


@admin.register(EscalationLevel)
class EscalationLevelAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "engagement",
        "level",
        "name",
        "client_contact",
        "provider_contact",
        "response_hours",
    )
    search_fields = ("name", "engagement__name")
    list_select_related = ("engagement", "client_contact", "provider_contact")


@admin.register(DecisionRight)
class DecisionRightAdmin(ReadOnlyDomainAdmin):
    list_display = ("area", "engagement", "approver_side", "approver", "consulted", "informed")
    search_fields = ("area", "engagement__name")
    list_select_related = ("engagement", "approver")
