"""The row actions of the engagement page (the milestone pages have their own urls.py)."""

from django.urls import path

from milestones import views_inline

app_name = "milestone_rows"

urlpatterns = [
    path(
        "<uuid:engagement_id>/milestones/<uuid:public_id>/status/",
        views_inline.milestone_status,
        name="status",
    ),
    path(
        "<uuid:engagement_id>/milestones/<uuid:public_id>/evidence/",
        views_inline.milestone_evidence,
        name="evidence",
    ),
]
