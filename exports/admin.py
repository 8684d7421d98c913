from django.contrib import admin

from bpo_transition.admin_base import ReadOnlyDomainAdmin
from exports.models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyDomainAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__username", "user__email")
    exclude = ("token_hash",)
