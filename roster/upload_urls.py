"""The roster's uploads (people, results), included by ``roster.urls`` under ``upload/``."""

from django.urls import path

from roster import views_upload

urlpatterns = [
    path("", views_upload.upload, name="upload"),
    path("<uuid:upload_id>/", views_upload.commit, name="upload-commit"),
]
