from django.contrib import admin
from django.urls import include, path

from health.views import healthz
from transition.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("engagements/", include("transition.urls")),
    path("engagements/<uuid:engagement_id>/raid/", include("registers.urls")),
    path("", include("accounts.urls")),
]
