"""RAID items can be found by their title and every text they carry (description, response,
an exception's handling and rule), where the actor may see the engagement."""

from __future__ import annotations

from django.urls import reverse

from kernel.registry import search_documents
from kernel.search import SearchDocument
from registers.models import RaidItem

search_documents.register(
    "raid_item",
    SearchDocument(
        kind="raid_item",
        label="RAID items",
        visible=lambda actor: RaidItem.objects.visible_to(actor).select_related("engagement"),
        fields=("title", "description", "response", "handling", "decision_rule"),
        url=lambda row: reverse(
            "registers:item",
            kwargs={"engagement_id": row.engagement.public_id, "item_id": row.public_id},
        ),
        context=lambda row: f"{row.engagement.name} · {row.get_kind_display()}",
        position=40,
    ),
)
