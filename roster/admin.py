"""The roster in the admin: read-only like every business table. A person's name and e-mail
are left out (personal data of people who never agreed to an account): the admin names them
as the audit trail does, by role and HR id."""

from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from roster.models import AccessBatch, AccessStep, Person, Requirement, Result, Wave


@admin.display(description="person")
def person_label(obj) -> str:
    return obj.person.audit_label


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "kind", "role", "engagement", "position")
    list_filter = ("kind",)
    list_select_related = ("engagement",)


@admin.register(Wave)
class WaveAdmin(ReadOnlyDomainAdmin):
    list_display = ("__str__", "engagement", "start_date", "go_live_date")
    list_select_related = ("engagement",)


@admin.register(Person)
class PersonAdmin(ReadOnlyDomainAdmin):
    list_display = ("audit_label", "engagement", "wave", "status", "start_date")
    list_filter = ("status",)
    list_select_related = ("engagement", "wave")
    exclude = ("name", "email")


@admin.register(Result)
class ResultAdmin(ReadOnlyDomainAdmin):
    list_display = ("audit_label", person_label, "taken_on", "score")
    list_select_related = ("requirement", "person")


@admin.register(AccessBatch)
class AccessBatchAdmin(ReadOnlyDomainAdmin):
    list_display = ("label", "engagement", "requested_at")
    list_select_related = ("engagement",)


@admin.register(AccessStep)
class AccessStepAdmin(ReadOnlyDomainAdmin):
    list_display = ("audit_label", person_label, "status", "waiting_since")
    list_filter = ("status",)
    list_select_related = ("system", "person")
