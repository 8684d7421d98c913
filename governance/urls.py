from django.urls import include, path

from governance import views

app_name = "governance"

gate_patterns = [
    path("", views.gate_list, name="list"),
    path("<uuid:gate_id>/", views.gate_detail, name="gate"),
    path(
        "<uuid:gate_id>/criteria/<uuid:criterion_id>/",
        views.set_criterion,
        name="criterion",
    ),
    path("<uuid:gate_id>/attest/", views.attest, name="attest"),
    path("<uuid:gate_id>/request/", views.request_decision, name="request-decision"),
    path("<uuid:gate_id>/approve/", views.approve, name="approve"),
    path("<uuid:gate_id>/reject/", views.reject, name="reject"),
]

urlpatterns = [
    path("engagements/<uuid:engagement_id>/gates/", include(gate_patterns)),
    path("gates/queue/", views.pmo_queue, name="pmo-queue"),
]
