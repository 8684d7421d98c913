"""/api/: the REST API (v1), its OpenAPI schema and its docs (served without any CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api.rest import views
from api.rest.changes import ChangeFeedViewSet
from api.rest.exceptions import no_such_endpoint
from api.rest.webhooks import WebhookViewSet

app_name = "api"

router = SimpleRouter()
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("gates", views.GateViewSet, basename="gate")
router.register("gate-criteria", views.CriterionViewSet, basename="gate-criterion")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("kpis", views.KpiViewSet, basename="kpi")
router.register("kpi-measurements", views.MeasurementViewSet, basename="kpi-measurement")
router.register("raid-items", views.RaidItemViewSet, basename="raid-item")
router.register("members", views.MemberViewSet, basename="member")
router.register("api-tokens", views.ApiTokenViewSet, basename="api-token")
router.register("changes", ChangeFeedViewSet, basename="change")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Any other path under /api/ answers a problem+json 404, never an HTML page.
    re_path(r"^", no_such_endpoint),
]
