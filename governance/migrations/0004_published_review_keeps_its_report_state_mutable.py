"""A published review stays immutable except for the state of its PDF rendering.

Rendering the report of a published review (a worker task, issue 15) records when it was
asked for and why it failed, on the review row: those two columns may change after
publishing; every other column still may not (deleting the publisher still nulls
``published_by_id``).
"""

from django.db import migrations

MUTABLE = "ARRAY['report_requested_at', 'report_failure', 'published_by_id']"
CONDITION = (
    "WHEN (OLD.status = 'published' AND NOT ("
    f"(to_jsonb(NEW) - {MUTABLE}) = (to_jsonb(OLD) - {MUTABLE}) AND "
    "(NEW.published_by_id IS NULL OR NEW.published_by_id IS NOT DISTINCT FROM OLD.published_by_id)"
    "))"
)
OLD_CONDITION = (
    "WHEN (OLD.status = 'published' AND NOT (NEW.published_by_id IS NULL AND "
    "(to_jsonb(NEW) - 'published_by_id') = (to_jsonb(OLD) - 'published_by_id')))"
)
TRIGGER = "reporting_review_immutable_update"


def _replace(schema_editor, condition: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON reporting_review")
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON reporting_review "
        f"FOR EACH ROW {condition} EXECUTE FUNCTION bpo_refuse_change()"
    )


def report_state_mutable(apps, schema_editor):
    _replace(schema_editor, CONDITION)


def report_state_immutable(apps, schema_editor):
    _replace(schema_editor, OLD_CONDITION)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_immutable_records_in_the_database"),
        ("reporting", "0005_review_outcomes_override_and_report_state"),
    ]

    operations = [
        migrations.RunPython(report_state_mutable, report_state_immutable, elidable=False),
    ]
