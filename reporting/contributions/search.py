"""KPIs can be found by their name and unit, where the actor may see the engagement."""

from __future__ import annotations

from django.urls import reverse

from kernel.registry import search_documents
from kernel.search import SearchDocument
from reporting.models import Kpi

search_documents.register(
    "kpi",
    SearchDocument(
        kind="kpi",
        label="KPIs",
        visible=lambda actor: Kpi.objects.visible_to(actor).select_related("engagement"),
        fields=("name", "unit"),
        url=lambda row: reverse(
            "kpis:detail",
            kwargs={"engagement_id": row.engagement.public_id, "kpi_id": row.public_id},
        ),
        context=lambda row: row.engagement.name,
        position=50,
    ),
)
