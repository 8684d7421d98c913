"""Covering indexes for the people side of the reminder scan (PostgreSQL only).

Per due object the scan looks up its engagement (status, tenant), the person a route reaches
(active, own time zone), their tenant's time zone, their seat (side, role) or the tenant's
PMO memberships. With these every lookup is an index-only scan instead of an index probe
plus a heap fetch. SQLite has no INCLUDE, and there the primary keys and the seat's unique
key already serve the lookups, so it gets none of them.
"""

from django.db import migrations

INDEXES = [
    ("reminder_engagement_status", "engagements_engagement", "(id) INCLUDE (tenant_id, status)"),
    ("reminder_user_zone", "accounts_user", "(id) INCLUDE (time_zone, is_active)"),
    ("reminder_tenant_zone", "accounts_tenant", "(id) INCLUDE (time_zone)"),
    (
        "reminder_seat",
        "engagements_engagementmember",
        "(engagement_id, user_id) INCLUDE (side, role)",
    ),
    ("reminder_tenant_role", "accounts_membership", "(tenant_id, role) INCLUDE (user_id)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX {name} ON {table} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_no_lone_tenant_index"),
        ("accounts", "0003_time_zone_defaults_to_the_tenants"),
        ("engagements", "0002_drop_tenant_index_repeated_by_composites"),
    ]

    operations = [migrations.RunPython(create, drop)]
