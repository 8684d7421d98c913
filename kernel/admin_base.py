"""Admin base classes: rows of the active tenant only, and domain data read-only.

Business data changes only through the services (they hold the rules and write the audit
trail), so the admin shows it for inspection and support but does not edit it.
"""

from django.contrib import admin
from django.http import Http404


class TenantScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request, "tenant", None) is None:
            return queryset.none()
        return queryset

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404("No such object.")
        return found


class ReadOnlyDomainAdmin(TenantScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
