"""Roster people can be found by name, by those who may see the engagement they work on (its
team, the tenant's PMO and admins): never by a competing provider, never across tenants. An
erased person is not found: the name they had is gone."""

from __future__ import annotations

from django.urls import reverse

from kernel.registry import search_documents
from kernel.search import SearchDocument
from roster.models import Person


def visible_people(actor):
    return (
        Person.objects.visible_to(actor)
        .filter(erased_at=None)
        .select_related("engagement", "wave")
        .order_by("name", "id")
    )


search_documents.register(
    "roster_person",
    SearchDocument(
        kind="roster_person",
        label="Roster people",
        visible=visible_people,
        fields=("name",),
        url=lambda row: reverse(
            "roster:person",
            kwargs={"engagement_id": row.engagement.public_id, "person_id": row.public_id},
        ),
        context=lambda row: f"{row.engagement.name} · {row.role}",
        position=70,
    ),
)
