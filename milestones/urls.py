"""The milestone page and its actions, under ``engagements/<engagement_id>/milestones/``."""

from django.urls import path

from milestones import views

app_name = "milestones"

urlpatterns = [
    path("phases/<uuid:phase_id>/new/", views.create, name="create"),
    path("<uuid:milestone_id>/", views.milestone_detail, name="detail"),
    path("<uuid:milestone_id>/edit/", views.edit, name="edit"),
    path("<uuid:milestone_id>/owner/", views.reassign_owner, name="reassign"),
    path("<uuid:milestone_id>/change-status/", views.change_status, name="change-status"),
    path("<uuid:milestone_id>/comments/", views.comment, name="comment"),
    path("<uuid:milestone_id>/files/", views.upload_file, name="upload"),
    path("<uuid:milestone_id>/files/<uuid:file_id>/", views.download_file, name="file"),
    path("<uuid:milestone_id>/files/<uuid:file_id>/delete/", views.delete_file, name="delete-file"),
]
