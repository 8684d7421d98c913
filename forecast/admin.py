from django.contrib import admin

from forecast.models import SlipEpisode
from kernel.admin_base import ReadOnlyDomainAdmin


@admin.register(SlipEpisode)
class SlipEpisodeAdmin(ReadOnlyDomainAdmin):
    list_display = ("engagement", "started_on", "ended_on", "target", "forecast")
    list_select_related = ("engagement",)
