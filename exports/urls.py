from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path(
        "engagements/<uuid:engagement_id>/exports/",
        views.engagement_exports,
        name="engagement",
    ),
    path(
        "engagements/<uuid:engagement_id>/exports/<slug:kind>.csv",
        views.engagement_file,
        {"file_format": "csv"},
        name="engagement-csv",
    ),
    path(
        "engagements/<uuid:engagement_id>/exports/<slug:kind>.xlsx",
        views.engagement_file,
        {"file_format": "xlsx"},
        name="engagement-xlsx",
    ),
    path("exports/<slug:kind>.csv", views.personal_file, {"file_format": "csv"}, name="mine-csv"),
    path(
        "exports/<slug:kind>.xlsx", views.personal_file, {"file_format": "xlsx"}, name="mine-xlsx"
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar-feed"),
]
