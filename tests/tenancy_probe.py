"""Probes for the tenancy entry points, routed only in tests/test_tenancy_entry_points.py."""

from types import SimpleNamespace

from celery import shared_task
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.middleware import TenantScopedAPIMixin
from accounts.models import User
from engagements.models import Engagement
from kernel.background import TenantTask


class ProbeTokenAuthentication(BaseAuthentication):
    """``Authorization: Probe <username> <tenant id>``: a token pinned to one tenant."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Probe "):
            return None
        username, tenant_id = header.removeprefix("Probe ").split()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise AuthenticationFailed("Unknown token.")
        return user, SimpleNamespace(tenant_id=int(tenant_id))


class EngagementNames(TenantScopedAPIMixin, APIView):
    authentication_classes = [ProbeTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        if request.tenant is None:
            return Response({"detail": "No tenant."}, status=403)
        names = list(Engagement.objects.visible_to(request.user).values_list("name", flat=True))
        return Response({"tenant": request.tenant.slug, "engagements": names})


def stream_names(request):
    def rows():
        # Evaluated while the server pulls the body, after the middleware has returned.
        yield "engagements:\n"
        for name in Engagement.objects.visible_to(request.user).values_list("name", flat=True):
            yield f"{name}\n"

    return StreamingHttpResponse(rows(), content_type="text/plain")


def whoami(request):
    return JsonResponse({"tenant": request.tenant.slug if request.tenant else None})


@shared_task(base=TenantTask, name="tests.tenancy_probe.engagement_names")
def engagement_names() -> list[str]:
    return sorted(Engagement.objects.values_list("name", flat=True))


urlpatterns = [
    path("probe/api/", EngagementNames.as_view()),
    path("probe/stream/", stream_names),
    path("probe/whoami/", whoami),
]
