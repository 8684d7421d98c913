from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Membership, Tenant, User


class MembershipInline(admin.TabularInline):
    """Shown, not edited: memberships change through the services (rules and audit trail)."""

    model = Membership
    extra = 0
    fields = ("tenant", "user", "role", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Preferences", {"fields": ("time_zone",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "time_zone")
    inlines = [MembershipInline]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("public_id", "created_at")
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        # A tenant starts with an admin: manage.py create_tenant does both at once.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a tenant would cascade through its data with no tombstone in its log.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role", "tenant")
    search_fields = ("user__username", "tenant__name")
    list_select_related = ("user", "tenant")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
