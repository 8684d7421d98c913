"""The plan import: ``/plans/`` (a new engagement from a file, a stored file's preview and its
commit, the sample file) and ``/engagements/<id>/plan/import/`` (a re-plan)."""

from django.urls import path, re_path

from plans import views

app_name = "plans"

urlpatterns = [
    path("plans/new/", views.new_plan, name="new"),
    re_path(r"^plans/sample\.(?P<extension>csv|xlsx)$", views.sample_file, name="sample"),
    path("plans/uploads/<uuid:upload_id>/", views.upload, name="upload"),
    path("plans/uploads/<uuid:upload_id>/commit/", views.commit, name="commit"),
    path("engagements/<uuid:engagement_id>/plan/import/", views.replan, name="replan"),
]
