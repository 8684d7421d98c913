"""Gate criteria can be found by their text and a waiver's justification; the result is the
criterion's gate, where the actor may see the engagement."""

from __future__ import annotations

from django.urls import reverse

from governance.models import GateCriterion
from kernel.registry import search_documents
from kernel.search import SearchDocument

search_documents.register(
    "gate_criterion",
    SearchDocument(
        kind="gate_criterion",
        label="Gate criteria",
        visible=lambda actor: GateCriterion.objects.visible_to(actor).select_related(
            "gate__engagement"
        ),
        fields=("text", "justification"),
        url=lambda row: reverse(
            "governance:gate",
            kwargs={"engagement_id": row.gate.engagement.public_id, "gate_id": row.gate.public_id},
        ),
        context=lambda row: f"{row.gate.engagement.name} · {row.gate.name}",
        position=60,
    ),
)
