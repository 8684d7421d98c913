"""Index operations for the big tables that never block their writers on PostgreSQL.

``CREATE INDEX`` locks a table against writes until the index is built: minutes on a
million-row milestone table, an event log or the reminder ledger, while every save waits.
``CREATE INDEX CONCURRENTLY`` builds it beside the writers. Use these in a migration with
``atomic = False`` (PostgreSQL refuses a concurrent build inside a transaction):

    from kernel.migration_operations import AddIndexConcurrently

    class Migration(migrations.Migration):
        atomic = False
        operations = [AddIndexConcurrently("milestone", models.Index(...))]

On another database (SQLite in development and most tests) they are the plain operations.
``tests/test_index_migrations.py`` fails on a new plain ``AddIndex`` on the big tables.
A concurrent build that fails leaves an INVALID index behind: drop it and migrate again.
"""

from __future__ import annotations

from django.contrib.postgres import operations as postgres
from django.db import migrations


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


class RemoveIndexConcurrently(postgres.RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )
