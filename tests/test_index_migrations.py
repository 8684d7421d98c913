"""Indexes on the big tables are built CONCURRENTLY on PostgreSQL (kernel/migration_operations).

A plain ``AddIndex`` locks the table against writes while the index builds: on the milestone
table, the event log or the reminder ledger of a large install that stops every save for
minutes. The migrations written before this rule are listed (they ran long ago, on tables
that were small or empty, and rewriting applied migrations buys nothing); any new one on these
tables must use the concurrent operations, in a migration with ``atomic = False``.
"""

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from kernel import migration_operations as concurrent

BIG_TABLES = {
    ("milestones", "milestone"),
    ("audit", "event"),
    ("notifications", "reminder"),  # the reminder ledger
    ("notifications", "notification"),
}
BEFORE_THE_RULE = {
    ("audit", "0003_event_operation_correlation_position"),
    ("milestones", "0001_initial"),
    ("milestones", "0002_open_due_date_indexes_and_no_lone_tenant_index"),
    ("milestones", "0003_due_index_covers_status"),
    ("milestones", "0006_milestone_keyset_index"),
    ("milestones", "0007_drop_open_due_index_the_reminder_index_covers"),
    ("notifications", "0001_reminder_ledger_and_notification_centre"),
}
CONCURRENT = (concurrent.AddIndexConcurrently, concurrent.RemoveIndexConcurrently)


def index_operations_on_big_tables():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        for operation in migration.operations:
            if not isinstance(operation, migrations.AddIndex | migrations.RemoveIndex):
                continue
            if (app, operation.model_name.lower()) in BIG_TABLES:
                yield app, name, migration, operation


def test_a_new_index_on_a_big_table_is_built_concurrently_on_postgresql():
    plain = [
        f"{app}.{name}: {type(operation).__name__} on {operation.model_name}"
        for app, name, _migration, operation in index_operations_on_big_tables()
        if (app, name) not in BEFORE_THE_RULE and not isinstance(operation, CONCURRENT)
    ]
    assert not plain, (
        "Use kernel.migration_operations.AddIndexConcurrently / RemoveIndexConcurrently "
        "(and atomic = False) for: " + "; ".join(plain)
    )


def test_a_concurrent_index_migration_runs_outside_a_transaction():
    atomic = [
        f"{app}.{name}"
        for app, name, migration, operation in index_operations_on_big_tables()
        if isinstance(operation, CONCURRENT) and migration.atomic
    ]
    assert not atomic, "Set atomic = False in: " + ", ".join(atomic)


def test_the_list_of_older_migrations_names_only_migrations_that_exist():
    found = {(app, name) for app, name, _m, _op in index_operations_on_big_tables()}
    assert found >= BEFORE_THE_RULE


@pytest.mark.django_db(transaction=True)
def test_the_concurrent_operations_build_and_drop_an_index_here():
    """CONCURRENTLY on PostgreSQL, the plain statement on SQLite: both leave the index."""
    loader = MigrationLoader(connection)
    before = loader.project_state()
    index = models.Index(fields=["tenant", "title"], name="milestone_probe_concurrent")
    add = concurrent.AddIndexConcurrently("milestone", index)
    after = before.clone()
    add.state_forwards("milestones", after)
    table = "milestones_milestone"

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            return set(connection.introspection.get_constraints(cursor, table))

    with CaptureQueriesContext(connection) as ran, connection.schema_editor(atomic=False) as ed:
        add.database_forwards("milestones", ed, before, after)
    built = " ".join(query["sql"] for query in ran.captured_queries)
    assert ("CONCURRENTLY" in built) == (connection.vendor == "postgresql"), built
    try:
        assert "milestone_probe_concurrent" in indexes()
    finally:
        remove = concurrent.RemoveIndexConcurrently("milestone", "milestone_probe_concurrent")
        dropped = after.clone()
        remove.state_forwards("milestones", dropped)
        with connection.schema_editor(atomic=False) as editor:
            remove.database_forwards("milestones", editor, after, dropped)
    assert "milestone_probe_concurrent" not in indexes()
