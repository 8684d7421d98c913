from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from audit.models import Event


def history_of(*, instance: models.Model) -> QuerySet[Event]:
    """Every event of one object, oldest first, with the actor loaded."""
    return (
        Event.objects.filter(
            object_type=instance.AUDIT_TYPE,
            object_id=str(getattr(instance, "public_id", instance.pk)),
        )
        .select_related("actor")
        .order_by("id")
    )
