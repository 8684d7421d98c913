"""The API's one pagination: keyset cursors over an immutable unique UUID column.

A page is ``WHERE <uuid> > <last uuid of the previous page> ORDER BY <uuid> LIMIT n+1``: no
COUNT, no OFFSET, and stable while rows are inserted or updated (an update never moves a row,
so a full sync sees every row that existed when it started exactly once). The cursor is the
last UUID, base64url-encoded: opaque, and never an integer key.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

# What encode_cursor writes, exactly: 16 bytes in 22 base64url characters, the last one
# carrying 2 bits (4 zero bits of padding), so every value that matches is one the server reads.
CURSOR_PATTERN = "^[A-Za-z0-9_-]{21}[AQgw]$"


def encode_cursor(value: uuid.UUID | str) -> str:
    raw = value.bytes if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).bytes
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==")
    except (binascii.Error, UnicodeEncodeError, ValueError) as garbled:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from garbled
    if len(raw) != 16 or encode_cursor(uuid.UUID(bytes=raw)) != cursor:
        raise ValidationError({"cursor": ["Invalid cursor."]})
    return uuid.UUID(bytes=raw)


def _value_at(row: Any, path: str) -> Any:
    if isinstance(row, dict):
        return row[path]
    for name in path.split("__"):
        row = getattr(row, name)
    return row


class KeysetCursorPagination(BasePagination):
    """Pages in the order of the view's ``cursor_field`` (default ``public_id``)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 100
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Use a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None) -> list:
        field = getattr(view, "cursor_field", "public_id")
        size = self.get_page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            queryset = queryset.filter(**{f"{field}__gt": decode_cursor(cursor)})
        rows = list(queryset.order_by(field)[: size + 1])
        page = rows[:size]
        self.next_link = None
        if len(rows) > size:
            url = remove_query_param(request.build_absolute_uri(), self.cursor_query_param)
            value_of = getattr(view, "cursor_value", None) or (lambda row: _value_at(row, field))
            last = encode_cursor(value_of(page[-1]))
            self.next_link = replace_query_param(url, self.cursor_query_param, last)
        return page

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next_link, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                    "example": "https://transition.example.com/api/v1/milestones/"
                    "?cursor=mT3kQ2xSRSqv3bYc1a0N5w",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Opaque: copy it from the `next` link of the previous page. The page "
                    "starts after the row it names; a value of another form is a 400."
                ),
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
