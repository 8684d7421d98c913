from django.contrib import admin
from django.urls import include, path

from health.views import background_banner, healthz
from transition.views.portfolio import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("health/banner/", background_banner, name="health-banner"),
    path("admin/", admin.site.urls),
    path("engagements/", include("transition.manage_urls")),
    path("engagements/", include("transition.urls")),
    path("engagements/<uuid:engagement_id>/milestones/", include("milestones.urls")),
    path("", include("governance.urls")),
    path("engagements/<uuid:engagement_id>/reviews/", include("reporting.urls")),
    path("my-work/", include("transition.work_urls")),
    path("", include("transition.people_urls")),
    path("engagements/", include("milestones.urls_inline")),
    path("notifications/", include("notifications.urls")),
    path("engagements/<uuid:engagement_id>/kpis/", include("reporting.report_urls")),
    path("engagements/<uuid:engagement_id>/raid/", include("registers.urls")),
    path("api/", include("api.rest.urls")),
    path("api-tokens/", include("api.urls")),
    path("webhooks/", include("api.webhooks.urls")),
    path("", include("accounts.urls")),
    path("", include("exports.urls")),
]
