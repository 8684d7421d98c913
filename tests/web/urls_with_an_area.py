"""The project's URLs plus a stand-in KPI area (when the real one is not installed), to show
that a tab appears as soon as its route exists."""

from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from bpo_transition.urls import urlpatterns as project_urls


def _kpis_installed() -> bool:
    try:
        reverse("kpis:list", args=["00000000-0000-0000-0000-000000000000"])
    except NoReverseMatch:
        return False
    return True


def stand_in(request, engagement_id):
    return HttpResponse("KPIs")


urlpatterns = list(project_urls)
if not _kpis_installed():
    kpi_area = ([path("", stand_in, name="list")], "kpis")
    urlpatterns.append(path("engagements/<uuid:engagement_id>/kpis/", include(kpi_area)))
