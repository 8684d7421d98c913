"""/api/: the REST API (v1), its OpenAPI schema and its docs (served without any CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api.rest.exceptions import no_such_endpoint
from kernel.registry import api_resources

app_name = "api"

# Every resource of the API, in the order registered: each app registers its own in
# ``<app>/contributions/api.py``, found in INSTALLED_APPS order (the routes do not overlap, so the
# order changes nothing; the schema sorts its paths).
router = SimpleRouter()
for resource in api_resources:
    router.register(resource.prefix, resource.viewset, basename=resource.basename)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Any other path under /api/ answers a problem+json 404, never an HTML page.
    re_path(r"^", no_such_endpoint),
]
