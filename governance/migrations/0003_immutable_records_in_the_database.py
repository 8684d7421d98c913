"""Gate decisions, attestations, published reviews and audit events refuse UPDATE and DELETE
in PostgreSQL itself, not only in Python: a raw ``UPDATE`` or a queryset ``update()`` that
skips ``save()`` is refused too. A deletion is recorded by a tombstone event, never by
removing an event.

What the application legitimately does still passes:
- a review changes freely until it is published (publishing is the last change allowed);
- deleting a user sets ``actor_id`` of their events (and ``published_by_id`` of a published
  review) to NULL, as the foreign keys say: that one change is allowed;
- ``TRUNCATE`` (test teardown) fires no row triggers.
"""

from django.db import migrations

REFUSE = """
CREATE OR REPLACE FUNCTION bpo_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on %: this record is immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

# A row whose only change is the named column turning NULL (ON DELETE SET NULL of a user).
ONLY_NULLED = "(NEW.{column} IS NULL AND (to_jsonb(NEW) - '{column}') = (to_jsonb(OLD) - '{column}'))"

TRIGGERS = [
    ("governance_gatedecision", "BEFORE UPDATE OR DELETE", ""),
    ("governance_gateattestation", "BEFORE UPDATE OR DELETE", ""),
    (
        "audit_event",
        "BEFORE UPDATE",
        f"WHEN (NOT {ONLY_NULLED.format(column='actor_id')})",
    ),
    ("audit_event", "BEFORE DELETE", ""),
    (
        "reporting_review",
        "BEFORE UPDATE",
        "WHEN (OLD.status = 'published' AND NOT "
        f"{ONLY_NULLED.format(column='published_by_id')})",
    ),
    ("reporting_review", "BEFORE DELETE", "WHEN (OLD.status = 'published')"),
]


def _name(table: str, timing: str) -> str:
    return f"{table}_immutable_{'delete' if timing == 'BEFORE DELETE' else 'update'}"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE, params=None)
    for table, timing, condition in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER {_name(table, timing)} {timing} ON {table} "
            f"FOR EACH ROW {condition} EXECUTE FUNCTION bpo_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, timing, _condition in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table, timing)} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS bpo_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_separation_of_duties"),
        ("audit", "0005_drop_tenant_index_repeated_by_composites"),
        ("reporting", "0004_drift_alerts_and_review_reports"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
