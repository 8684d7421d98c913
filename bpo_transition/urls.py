from django.contrib import admin
from django.urls import include, path

from health.views import healthz
from transition.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("engagements/", include("transition.urls")),
    path("api/", include("api.rest.urls")),
    path("api-tokens/", include("api.urls")),
    path("", include("accounts.urls")),
]
