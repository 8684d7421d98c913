"""Partial indexes that drive the reminder scans, on the tables of the apps below.

They belong to this feature, so they live here (with names of their own) rather than in each
app's models. The milestone index covers every column the scan reads, so PostgreSQL answers
from the index alone (INCLUDE); SQLite gets a plain partial index.
"""

from django.db import migrations

OPEN = "status IN ('not_started', 'in_progress', 'blocked')"

INDEXES = [
    (
        "reminder_milestone_open_due",
        "milestones_milestone",
        {
            "postgresql": f"(due_date) INCLUDE (id, tenant_id, engagement_id, owner_id, side) WHERE {OPEN}",
            "default": f"(due_date, engagement_id, owner_id) WHERE {OPEN}",
        },
    ),
    ("reminder_gate_requested", "governance_gate", "(requested_at) WHERE status = 'requested'"),
    ("reminder_phase_open_end", "engagements_phase", "(planned_end) WHERE status <> 'complete'"),
    ("reminder_review_scheduled", "reporting_review", "(scheduled_on) WHERE status = 'scheduled'"),
    (
        "reminder_action_due",
        "reporting_reviewkpiresult",
        "(action_due) WHERE action_owner_id IS NOT NULL",
    ),
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, definition in INDEXES:
        if isinstance(definition, dict):
            definition = definition.get(vendor, definition["default"])
        schema_editor.execute(f"CREATE INDEX {name} ON {table} {definition}")


def drop(apps, schema_editor):
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_reminder_ledger_and_notification_centre"),
        ("milestones", "0001_initial"),
        ("governance", "0001_initial"),
        ("engagements", "0001_initial"),
        ("reporting", "0002_delete_workerheartbeat"),
    ]

    operations = [migrations.RunPython(create, drop)]
