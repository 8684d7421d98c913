from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from roster.models import AccessBatch, AccessStep, Person, Requirement, Result, Upload, Wave


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "kind", "role", "engagement")
    list_filter = ("kind",)
    list_select_related = ("engagement",)


@admin.register(Wave)
class WaveAdmin(ReadOnlyDomainAdmin):
    list_display = ("number", "name", "engagement", "start_date", "go_live_date")
    list_select_related = ("engagement",)


@admin.register(Person)
class PersonAdmin(ReadOnlyDomainAdmin):
    # Roster people never agreed to an account: the admin lists them by HR id, not by name.
    list_display = ("external_id", "role", "wave", "status", "engagement", "erased_at")
    list_filter = ("status",)
    search_fields = ("external_id",)
    exclude = ("name", "email")
    list_select_related = ("wave", "engagement")


@admin.register(Result)
class ResultAdmin(ReadOnlyDomainAdmin):
    list_display = ("person", "requirement", "attempt", "passed", "taken_on")
    list_select_related = ("person", "requirement")


@admin.register(AccessBatch)
class AccessBatchAdmin(ReadOnlyDomainAdmin):
    list_display = ("label", "engagement", "requested_at")
    list_select_related = ("engagement",)


@admin.register(AccessStep)
class AccessStepAdmin(ReadOnlyDomainAdmin):
    list_display = ("person", "system", "status", "waiting_since")
    list_filter = ("status",)
    list_select_related = ("person", "system")


@admin.register(Upload)
class UploadAdmin(ReadOnlyDomainAdmin):
    list_display = ("file_name", "kind", "engagement", "rows", "uploaded_at")
    exclude = ("content",)
    list_select_related = ("engagement",)
