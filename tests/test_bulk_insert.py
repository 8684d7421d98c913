"""``kernel.bulk.insert_many``: the rows it writes are the rows ``bulk_create`` writes, whatever
the text holds (tabs, new lines, backslashes, quotes, non-Latin letters), and it is one
statement (COPY on PostgreSQL, ``bulk_create`` elsewhere)."""

from __future__ import annotations

import datetime
import uuid

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from kernel.bulk import COPY_FROM, insert_many

AWKWARD = ["tab\there", "new\nline\r\n", "back\\slash \\N", "quote \" and '", "Łódź 東京 🚀", ""]


def events(tenant, actor, count: int, mark: str) -> list[Event]:
    return [
        Event(
            tenant_id=tenant.pk,
            actor=actor if number % 2 else None,
            action=Event.Action.CREATED,
            operation="bulk.test",
            correlation_id=uuid.uuid4(),
            position=number if number % 3 else None,
            engagement_id=None,
            engagement_uuid=uuid.uuid5(uuid.NAMESPACE_URL, str(number)) if number % 2 else None,
            object_type="thing",
            object_id=f"{mark}-{number}",
            object_label=AWKWARD[number % len(AWKWARD)],
            snapshot={"text": AWKWARD[number % len(AWKWARD)], "n": number, "none": None},
            changes={"due_date": ["2026-01-01", "2026-01-02"]} if number % 4 == 0 else {},
            note=AWKWARD[(number + 1) % len(AWKWARD)],
        )
        for number in range(count)
    ]


COMPARED = (
    "tenant_id",
    "actor_id",
    "action",
    "operation",
    "position",
    "engagement_uuid",
    "object_label",
    "snapshot",
    "changes",
    "note",
)


def stored(mark: str) -> list[tuple]:
    rows = Event.objects.filter(object_id__startswith=f"{mark}-").order_by("object_id")
    return [
        (row.object_id.split("-", 1)[1], *(getattr(row, name) for name in COMPARED)) for row in rows
    ]


def test_many_rows_are_written_exactly_as_bulk_create_writes_them_in_one_statement(
    tenant_a, member_of, in_tenant
):
    actor = member_of(tenant_a)
    count = COPY_FROM + 10
    before = datetime.datetime.now(datetime.UTC)
    with in_tenant(tenant_a), transaction.atomic():
        Event.objects.bulk_create(events(tenant_a, actor, count, "a"))
        with CaptureQueriesContext(connection) as captured:
            insert_many(Event, events(tenant_a, actor, count, "b"))
    assert len(captured.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert captured.captured_queries[0]["sql"].startswith('COPY "audit_event"')
    with in_tenant(tenant_a):
        assert stored("b") == stored("a")
        assert len(stored("b")) == count
        # ``auto_now_add`` stamps the rows as bulk_create does.
        stamps = Event.objects.filter(object_id__startswith="b-").values_list(
            "occurred_at", flat=True
        )
        assert all(stamp >= before - datetime.timedelta(seconds=1) for stamp in stamps)


def test_a_few_rows_and_none_at_all(tenant_a, member_of, in_tenant):
    actor = member_of(tenant_a)
    with in_tenant(tenant_a), transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            insert_many(Event, [])
        assert captured.captured_queries == []
        insert_many(Event, events(tenant_a, actor, 3, "c"))
        assert len(stored("c")) == 3
