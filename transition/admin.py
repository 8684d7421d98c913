from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from transition.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyDomainAdmin):
    list_display = ("email", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email",)
    exclude = ("token_hash",)
