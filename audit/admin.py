from django.contrib import admin

from audit.models import Event
from kernel.admin_base import ReadOnlyDomainAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyDomainAdmin):
    list_display = ("id", "occurred_at", "object_type", "object_label", "action", "actor")
    list_filter = ("object_type", "action")
    search_fields = ("object_label", "object_id")
    list_select_related = ("actor",)
