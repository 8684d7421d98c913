"""Engagements can be found by their name, their client's and their provider's."""

from __future__ import annotations

from django.urls import reverse

from engagements.selectors import visible_engagements
from kernel.registry import search_documents
from kernel.search import SearchDocument

search_documents.register(
    "engagement",
    SearchDocument(
        kind="engagement",
        label="Engagements",
        visible=lambda actor: visible_engagements(actor=actor),
        fields=("name", "client_name", "provider_name"),
        url=lambda row: reverse("engagements:detail", kwargs={"public_id": row.public_id}),
        context=lambda row: f"{row.client_name} · {row.provider_name}",
        position=10,
    ),
)
