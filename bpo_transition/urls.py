from django.contrib import admin
from django.urls import include, path

from health.views import healthz
from transition.views.portfolio import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("engagements/", include("transition.urls")),
    path("engagements/", include("milestones.urls_inline")),
    path("", include("accounts.urls")),
]
