"""The full-text indexes of the search, on PostgreSQL only (elsewhere nothing happens: the
search matches words with icontains there).

Each is a GIN index on the very expression ``kernel.search.SearchDocument.vector()`` builds
(``to_tsvector('english', title || ' ' || description ...)``), so a search's WHERE uses it and
writes stay plain INSERTs and UPDATEs (no trigger, no stored column). Built CONCURRENTLY, so
adding them to a live database does not block writes. ``tests/search`` holds this list to the
registered documents.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"

# (app, model, fields, index name): one per registered search document.
INDEXES = (
    ("engagements", "Engagement", ("name", "client_name", "provider_name"), "search_engagement"),
    ("milestones", "Milestone", ("title", "description", "evidence"), "search_milestone"),
    ("milestones", "MilestoneComment", ("body",), "search_milestone_comment"),
    (
        "registers",
        "RaidItem",
        ("title", "description", "response", "handling", "decision_rule"),
        "search_raid_item",
    ),
    ("reporting", "Kpi", ("name", "unit"), "search_kpi"),
    ("governance", "GateCriterion", ("text", "justification"), "search_gate_criterion"),
    ("roster", "Person", ("name",), "search_roster_person"),
)


def _index(fields, name):
    return GinIndex(SearchVector(*fields, config=CONFIG), name=name)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app, model_name, fields, name in INDEXES:
        model = apps.get_model(app, model_name)
        sql = _index(fields, name).create_sql(model, schema_editor, concurrently=True)
        schema_editor.execute(sql)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app, model_name, fields, name in INDEXES:
        model = apps.get_model(app, model_name)
        sql = _index(fields, name).remove_sql(model, schema_editor, concurrently=True)
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("engagements", "0002_drop_tenant_index_repeated_by_composites"),
        ("milestones", "0007_drop_open_due_index_the_reminder_index_covers"),
        ("registers", "0001_raid_register_escalation_decision_rights"),
        ("reporting", "0005_review_outcomes_override_and_report_state"),
        ("governance", "0004_published_review_keeps_its_report_state_mutable"),
        ("roster", "0002_upload"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
