from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control

from health.metrics import metrics_view
from health.views import background_banner, healthz
from transition.views.portfolio import home


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon."""
    return redirect(static("favicon.ico"))


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("health/banner/", background_banner, name="health-banner"),
    path("admin/", admin.site.urls),
    path("engagements/", include("transition.manage_urls")),
    path("engagements/", include("transition.urls")),
    path("engagements/<uuid:engagement_id>/milestones/", include("milestones.urls")),
    path("", include("governance.urls")),
    path("engagements/<uuid:engagement_id>/reviews/", include("reporting.urls")),
    path("my-work/", include("transition.work_urls")),
    path("milestones/bulk/", include("milestones.urls_bulk")),
    path("", include("transition.people_urls")),
    path("engagements/", include("milestones.urls_inline")),
    path("notifications/", include("notifications.urls")),
    path("engagements/<uuid:engagement_id>/kpis/", include("reporting.report_urls")),
    path("engagements/<uuid:engagement_id>/raid/", include("registers.urls")),
    path("engagements/<uuid:engagement_id>/roster/", include("roster.urls")),
    path("engagements/<uuid:engagement_id>/baselines/", include("baselines.urls")),
    path("", include("plans.urls")),
    path("api/", include("api.rest.urls")),
    path("api-tokens/", include("api.urls")),
    path("webhooks/", include("api.webhooks.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.allauth_urls")),
    path("", include("exports.urls")),
    path("search/", include("search.urls")),
]
