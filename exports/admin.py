from django.contrib import admin

from exports.models import CalendarFeed
from kernel.admin_base import ReadOnlyDomainAdmin


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyDomainAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__username", "user__email")
    exclude = ("token_hash",)
