from django.contrib import admin

from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from kernel.admin_base import ReadOnlyDomainAdmin


class GateCriterionInline(admin.TabularInline):
    model = GateCriterion
    extra = 0
    fields = ("text", "required", "state", "justification", "decided_by")
    readonly_fields = fields


@admin.register(Gate)
class GateAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "engagement", "phase", "status", "requested_at")
    list_filter = ("status", "phase__kind")
    search_fields = ("name", "engagement__name")
    list_select_related = ("engagement", "phase")
    inlines = [GateCriterionInline]


@admin.register(GateCriterion)
class GateCriterionAdmin(ReadOnlyDomainAdmin):
    list_display = ("text", "gate", "required", "state")
    list_filter = ("required", "state")
    list_select_related = ("gate",)


@admin.register(GateAttestation)
class GateAttestationAdmin(ReadOnlyDomainAdmin):
    list_display = ("gate", "side", "attested_by", "attested_at")
    list_filter = ("side",)
    list_select_related = ("gate", "attested_by")


@admin.register(GateDecision)
class GateDecisionAdmin(ReadOnlyDomainAdmin):
    list_display = ("gate", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("gate", "decided_by")
