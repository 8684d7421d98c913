"""Mounted at ``engagements/<uuid:engagement_id>/baselines/``."""

from django.urls import path

from baselines import views

app_name = "baselines"

urlpatterns = [
    path("", views.baselines, name="list"),
    path("<uuid:baseline_id>/", views.baseline, name="detail"),
]
