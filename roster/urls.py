"""Mounted at ``engagements/<uuid:engagement_id>/roster/``."""

from django.urls import include, path

from roster import views

app_name = "roster"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("upload/", include("roster.upload_urls")),
]
