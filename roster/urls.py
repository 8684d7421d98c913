"""Mounted at ``engagements/<uuid:engagement_id>/roster/``."""

from django.urls import include, path

from roster import views

app_name = "roster"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("access/request/", views.request_access, name="request-access"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<uuid:person_id>/", views.person, name="person"),
    path("people/<uuid:person_id>/result/", views.record_result, name="person-result"),
    path("people/<uuid:person_id>/details/", views.change_details, name="person-details"),
    path("people/<uuid:person_id>/status/", views.change_status, name="person-status"),
    path("people/<uuid:person_id>/erase/", views.erase, name="person-erase"),
    path("waves/new/", views.wave_create, name="wave-create"),
    path("waves/<uuid:wave_id>/", views.wave_edit, name="wave-edit"),
    path("batches/", views.batches, name="batches"),
    path("batches/<uuid:batch_id>/", views.batch, name="batch"),
    path("batches/<uuid:batch_id>/advance/", views.advance, name="batch-advance"),
    path("upload/", include("roster.upload_urls")),
]
