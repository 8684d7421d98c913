"""Bulk changes of milestones, under ``milestones/bulk/`` (a selection may span engagements)."""

from django.urls import path

from milestones import views_bulk

app_name = "milestone_bulk"

urlpatterns = [
    path("preview/", views_bulk.preview, name="preview"),
    path("apply/", views_bulk.apply, name="apply"),
    path("<uuid:operation>/", views_bulk.done, name="done"),
    path("<uuid:operation>/undo/", views_bulk.undo, name="undo"),
]
