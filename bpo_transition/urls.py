from django.contrib import admin
from django.urls import include, path

from bpo_transition.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("engagements/", include("engagements.urls")),
    path("", include("accounts.urls")),
]
