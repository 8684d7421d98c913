"""One helper that every service uses to record what it changed, in the same transaction.

A service is declared with ``@operation("gate.approved", tenant_of="gate")``: it runs in one
transaction, inside the tenant of the object it changes, and every event it records (also
through the services it calls) carries that operation name and one correlation id.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction

from accounts.models import User
from audit.models import Event, FeedCounter
from kernel import correlation
from kernel.bulk import insert_many
from kernel.tenancy import tenant_of as _tenant_of


@dataclass(frozen=True)
class _Operation:
    name: str
    correlation_id: uuid.UUID


_current: ContextVar[_Operation | None] = ContextVar("audit_operation", default=None)


def operation(name: str, *, tenant_of: str | tuple[str, ...]) -> Callable:
    """Declare a service: one transaction, the tenant of ``tenant_of``, one correlation id.

    Nested services keep the outermost operation: approving a gate that opens the next phase
    is one ``gate.approved`` with several rows changed.
    """
    params = (tenant_of,) if isinstance(tenant_of, str) else tenant_of

    def decorate(service: Callable) -> Callable:
        atomic = transaction.atomic(service)

        @functools.wraps(service)
        def run(*args: Any, **kwargs: Any) -> Any:
            if _current.get() is not None:
                return atomic(*args, **kwargs)
            # The request's (or task's) id when there is one: its log lines name it too.
            correlation_id = correlation.current() or uuid.uuid4()
            token = _current.set(_Operation(name=name, correlation_id=correlation_id))
            try:
                return atomic(*args, **kwargs)
            finally:
                _current.reset(token)

        return _tenant_of(*params)(run)

    return decorate


def current_correlation_id() -> uuid.UUID | None:
    """The correlation id of the operation running now (None outside one): what a caller
    shows to name it later, e.g. to undo a bulk change."""
    current = _current.get()
    return current.correlation_id if current else None


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


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited fields of ``instance`` (or those of ``fields``) as JSON values (foreign
    keys as public ids)."""
    values = {}
    known = instance.__dict__.get("_audit_values", {})
    for name in instance.AUDIT_FIELDS if fields is None else fields:
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


def _event(*, actor: User | None, instance: models.Model, action: str, **fields: Any) -> Event:
    current = _current.get()
    engagement = instance.audit_engagement
    return Event(
        tenant_id=instance.tenant_id,
        actor=actor,
        action=action,
        operation=current.name if current else f"{instance.AUDIT_TYPE}.{action}",
        correlation_id=current.correlation_id if current else uuid.uuid4(),
        engagement_id=engagement.pk if engagement is not None else None,
        engagement_uuid=engagement.public_id if engagement is not None else None,
        object_type=instance.AUDIT_TYPE,
        object_id=str(getattr(instance, "public_id", instance.pk)),
        # A model may name itself differently in the trail (``audit_label``): a roster person
        # by role and HR id, never by name, because the trail outlives an erasure.
        object_label=str(getattr(instance, "audit_label", None) or instance)[:300],
        **fields,
    )


def _take_positions(*, tenant_id: int, count: int) -> int:
    """Reserve ``count`` feed positions in the tenant; the first one.

    One upsert that also locks the tenant's counter row until this transaction ends, so a
    transaction that writes events later waits, and positions follow commit order (see
    FeedCounter). PostgreSQL and SQLite (3.35+) both speak this statement.
    """
    table = connection.ops.quote_name(FeedCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, last_position) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (tenant_id) DO UPDATE SET last_position = "
            f"{table}.last_position + EXCLUDED.last_position RETURNING last_position",
            [tenant_id, count],
        )
        return cursor.fetchone()[0] - count + 1


def _save(events: list[Event]) -> None:
    """Insert events with their feed positions, one counter update per tenant."""
    by_tenant: dict[int, list[Event]] = {}
    for event in events:
        by_tenant.setdefault(event.tenant_id, []).append(event)
    for tenant_id, batch in sorted(by_tenant.items()):
        first = _take_positions(tenant_id=tenant_id, count=len(batch))
        for offset, event in enumerate(batch):
            event.position = first + offset
    insert_many(Event, events)


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Events must be recorded inside the transaction of the change.")


def record_created(*, actor: User | None, instance: models.Model) -> Event:
    """A creation: the new values once, in ``snapshot`` (``changes`` stays empty)."""
    _require_transaction()
    event = _event(
        actor=actor, instance=instance, action=Event.Action.CREATED, snapshot=snapshot(instance)
    )
    _save([event])
    return event


def record_many_created(*, actor: User | None, instances: Iterable[models.Model]) -> None:
    """Creation events for rows inserted in bulk, themselves inserted in one statement."""
    _require_transaction()
    _save(
        [
            _event(
                actor=actor,
                instance=instance,
                action=Event.Action.CREATED,
                snapshot=snapshot(instance),
            )
            for instance in instances
        ]
    )


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def record_updated(
    *, actor: User | None, instance: models.Model, before: dict[str, Any], note: str = ""
) -> Event | None:
    """An update event with old and new values of what changed; none when nothing did."""
    _require_transaction()
    after = snapshot(instance)
    changes = _changed(before, after)
    if not changes:
        return None
    event = _event(
        actor=actor,
        instance=instance,
        action=Event.Action.UPDATED,
        snapshot=after,
        changes=changes,
        note=note,
    )
    _save([event])
    return event


def record_many_updated(
    *,
    actor: User | None,
    changed: Iterable[tuple[models.Model, dict[str, Any]] | tuple[models.Model, dict, dict]],
    note: str = "",
) -> int:
    """Update events for rows changed in bulk (each with its ``before`` snapshot, and its
    ``after`` one when the caller has it), in one insert; rows whose audited values did not
    change get none."""
    _require_transaction()
    events = []
    for instance, before, *known_after in changed:
        after = known_after[0] if known_after else snapshot(instance)
        changes = _changed(before, after)
        if changes:
            events.append(
                _event(
                    actor=actor,
                    instance=instance,
                    action=Event.Action.UPDATED,
                    snapshot=after,
                    changes=changes,
                    note=note,
                )
            )
    if events:
        _save(events)
    return len(events)


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
    event = _event(
        actor=actor,
        instance=instance,
        action=Event.Action.DELETED,
        snapshot=None,
        changes={name: [value, None] for name, value in last.items()},
    )
    _save([event])
    return event


# --- A person's account: sign-ins, second factor, sessions ------------------------------------

ACCOUNT = "account"


def record_account_event(
    *,
    operation: str,
    person: User,
    actor: User | None,
    details: dict[str, Any] | None = None,
    tenant_ids: Iterable[int] | None = None,
    note: str = "",
) -> list[Event]:
    """An event about a person's account (``account.signed_in``, ``account.session_ended``...),
    in each tenant named, by default every tenant the person belongs to; none for someone in no
    tenant (a platform admin), so nothing about an account reaches a tenant it is not in.

    The object is the person (``account``, their public id); ``snapshot`` holds what the
    event says (address, device, method, reason). These are not API resources: they take no
    change-feed position, so a sign-in never waits on the tenant's feed counter.
    """
    if tenant_ids is None:
        tenant_ids = person.memberships.values_list("tenant_id", flat=True)
    tenant_ids = sorted(set(tenant_ids))
    if not tenant_ids:
        return []
    current = _current.get()
    correlation_id = current.correlation_id if current else uuid.uuid4()
    events = [
        Event(
            tenant_id=tenant_id,
            actor=actor,
            action=Event.Action.UPDATED,
            operation=operation,
            correlation_id=correlation_id,
            object_type=ACCOUNT,
            object_id=str(person.public_id),
            object_label=str(person)[:300],
            snapshot={key: _jsonable(value) for key, value in (details or {}).items()},
            note=note,
        )
        for tenant_id in tenant_ids
    ]
    with transaction.atomic():
        Event.objects.bulk_create(events)
    return events
