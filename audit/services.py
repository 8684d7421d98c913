"""One helper that every service uses to record what it changed, in the same transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from accounts.models import User
from audit.models import Event


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # 10.0000 from the database and 10 from a form are the same value.
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited fields of ``instance`` as JSON values (foreign keys as public ids)."""
    values = {}
    known = instance.__dict__.get("_audit_values", {})
    for name in instance.AUDIT_FIELDS:
        field = instance._meta.get_field(name)
        if name in known:
            values[name] = known[name]
        elif field.many_to_many:
            values[name] = sorted(
                str(public_id)
                for public_id in getattr(instance, name).values_list("public_id", flat=True)
            )
        elif field.is_relation:
            related = getattr(instance, name)
            values[name] = _jsonable(related) if related is not None else None
        else:
            values[name] = _jsonable(getattr(instance, field.attname))
    return values


def _identity(instance: models.Model) -> dict[str, Any]:
    return {
        "tenant_id": instance.tenant_id,
        "engagement_id": instance.audit_engagement_id,
        "object_type": instance.AUDIT_TYPE,
        "object_id": str(getattr(instance, "public_id", instance.pk)),
        "object_label": str(instance)[:300],
    }


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Events must be recorded inside the transaction of the change.")


def record_created(*, actor: User | None, instance: models.Model) -> Event:
    _require_transaction()
    state = snapshot(instance)
    return Event.objects.create(
        actor=actor,
        action=Event.Action.CREATED,
        snapshot=state,
        changes={name: [None, value] for name, value in state.items()},
        **_identity(instance),
    )


def record_many_created(*, actor: User | None, instances: Iterable[models.Model]) -> None:
    """Creation events for rows inserted in bulk, themselves inserted in one statement."""
    _require_transaction()
    events = []
    for instance in instances:
        state = snapshot(instance)
        events.append(
            Event(
                actor=actor,
                action=Event.Action.CREATED,
                snapshot=state,
                changes={name: [None, value] for name, value in state.items()},
                **_identity(instance),
            )
        )
    Event.objects.bulk_create(events)


def record_updated(
    *, actor: User | None, instance: models.Model, before: dict[str, Any], note: str = ""
) -> Event | None:
    """An update event with old and new values of what changed; none when nothing did."""
    _require_transaction()
    after = snapshot(instance)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    if not changes:
        return None
    return Event.objects.create(
        actor=actor,
        action=Event.Action.UPDATED,
        snapshot=after,
        changes=changes,
        note=note,
        **_identity(instance),
    )


def change(
    *, actor: User | None, instance: models.Model, note: str = "", **values: Any
) -> Event | None:
    """Set fields, save only those, and record the update: the common write of a service."""
    before = snapshot(instance)
    for field, value in values.items():
        setattr(instance, field, value)
    fields = list(values)
    if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
        fields.append("updated_at")
    instance.save(update_fields=fields)
    return record_updated(actor=actor, instance=instance, before=before, note=note)


def record_deleted(*, actor: User | None, instance: models.Model) -> Event:
    """A tombstone: who deleted what, with the last values as the old side of the change."""
    _require_transaction()
    last = snapshot(instance)
    return Event.objects.create(
        actor=actor,
        action=Event.Action.DELETED,
        snapshot=None,
        changes={name: [value, None] for name, value in last.items()},
        **_identity(instance),
    )
