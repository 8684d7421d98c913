import uuid

from django.db import migrations, models


def name_past_operations(apps, schema_editor):
    """Events written before operations existed: one operation per row, named after it."""
    Event = apps.get_model("audit", "Event")
    for event in Event._base_manager.filter(correlation_id__isnull=True).only(
        "pk", "object_type", "action"
    ):
        event.operation = f"{event.object_type}.{event.action}"
        event.correlation_id = uuid.uuid4()
        Event._base_manager.filter(pk=event.pk).update(
            operation=event.operation, correlation_id=event.correlation_id
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_event_note")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="operation",
            field=models.CharField(default="", max_length=60),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="correlation_id",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="position",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="engagement_uuid",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(name_past_operations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="correlation_id",
            field=models.UUIDField(db_index=True),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("position__isnull", False)),
                fields=["tenant", "position"],
                name="event_position",
            ),
        ),
    ]
