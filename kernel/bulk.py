"""Inserting many new rows of one model at the speed of the database's own bulk path.

``insert_many(Model, objects)`` is ``bulk_create`` with two differences: on PostgreSQL it
streams the rows through ``COPY … FROM STDIN`` (text format), which parses and plans nothing
per row, and it never gives the objects their primary keys back (callers that need them use
``bulk_create``). Every field's ``pre_save`` runs first (``auto_now_add`` stamps, defaults), so
the rows written are the rows ``bulk_create`` would write. Elsewhere it is ``bulk_create``.

The statement is recorded in ``connection.queries`` when queries are being captured, as one
statement, so pinned query counts are the same on either path.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Fewer rows than this go through ``bulk_create``: a COPY's fixed cost is not worth it.
COPY_FROM = 50


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Fields whose Python value is what the database stores (a foreign key by its ``attname``):
# written as they are, when Django's own. Any other goes through its ``get_db_prep_save``.
_AS_THEY_ARE = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # and DateTimeField
    models.UUIDField,
    models.ForeignKey,
)


def _text(value: Any) -> str:
    """One value in COPY's text format (``\\N`` is NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal | int | float):
        return str(value)
    return str(value).translate(_ESCAPES)


def _writer(field: models.Field):
    """How one field's cell is made from an instance."""
    stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if isinstance(field, models.JSONField):

        def cell(instance):
            value = field.pre_save(instance, True)
            return _text(None if value is None else json.dumps(value, cls=field.encoder))
    elif (
        isinstance(field, _AS_THEY_ARE)
        and not stamped
        and type(field).__module__.startswith("django.")  # not a project's own field type
    ):
        attname = field.attname

        def cell(instance):
            return _text(getattr(instance, attname))
    else:

        def cell(instance):
            return _text(field.get_db_prep_save(field.pre_save(instance, True), connection))

    return cell


def insert_many(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert ``objects`` (new, unsaved) in one statement; see the module's docstring."""
    if not objects:
        return
    if len(objects) < COPY_FROM or connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    connection.ensure_connection()
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    writers = [_writer(field) for field in fields]
    buffer = io.StringIO()
    for instance in objects:
        buffer.write("\t".join([write(instance) for write in writers]))
        buffer.write("\n")
        instance._state.adding = False
        instance._state.db = connection.alias
    buffer.seek(0)
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(statement, buffer)
    if connection.queries_logged:
        connection.queries_log.append(
            {
                "sql": f"{statement} -- {len(objects)} rows",
                "time": f"{time.monotonic() - started:.3f}",
            }
        )
