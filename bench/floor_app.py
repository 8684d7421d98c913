"""The floor of ``api_sync.py``: a bare WSGI app, served by the same gunicorn with the same
workers as the product, doing the raw work of a page and nothing else.

- ``GET /milestones?page_size=N[&after=<uuid>]``: one keyset query over ``milestone_keyset``
  (the API's columns, ids cast to text by the database, dependencies as an array), each row
  built into the API's dict, encoded as the API encodes (compact, UTF-8), in the API's
  envelope ``{"next": ..., "results": [...]}``.
- ``GET /changes?limit=N[&after=<position>]``: the page of feed events (``event_position``),
  then the milestones they name in one query with the same columns, each entry built as the
  API builds it (base64 cursor, ISO timestamps), in ``{"results", "cursor", "next"}``.

No authentication, no tenant resolution, no middleware, no Django: what is left is the
database, the row building and the encoding. One connection per worker, kept open.
Configured by environment: ``FLOOR_DATABASE_URL``, ``FLOOR_TENANT``, ``FLOOR_FEED_TYPES``
(comma-separated ``object_type=resource``).
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qs

import psycopg2

MILESTONE_COLUMNS = """
       CAST(m.public_id AS TEXT), CAST(e.public_id AS TEXT), p.kind, m.title, m.description,
       CAST(u.public_id AS TEXT), m.side, m.due_date, m.status, m.evidence,
       m.evidence_required,
       ARRAY(SELECT CAST(d.public_id AS TEXT)
               FROM milestones_milestonedependency md
               JOIN milestones_milestone d ON d.id = md.depends_on_id
              WHERE md.milestone_id = m.id ORDER BY d.public_id),
       m.external_id, m.version, m.created_at, m.updated_at
  FROM milestones_milestone m
  JOIN engagements_engagement e ON e.id = m.engagement_id
  JOIN engagements_phase p ON p.id = m.phase_id
  LEFT JOIN accounts_user u ON u.id = m.owner_id
"""
LIST_SQL = f"""SELECT {MILESTONE_COLUMNS}
 WHERE m.tenant_id = %s AND m.public_id > %s::uuid
 ORDER BY m.public_id LIMIT %s"""
BY_IDS_SQL = f"""SELECT {MILESTONE_COLUMNS}
 WHERE m.tenant_id = %s AND m.public_id = ANY(%s::uuid[])"""
EVENTS_SQL = """
SELECT position, object_type, object_id, action, operation, CAST(correlation_id AS TEXT),
       occurred_at
  FROM audit_event
 WHERE tenant_id = %s AND position > %s AND object_type = ANY(%s)
 ORDER BY position LIMIT %s
"""
ZERO = "00000000-0000-0000-0000-000000000000"

_connection = None


def connection():
    global _connection  # one per gunicorn worker, opened after the fork
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["FLOOR_DATABASE_URL"])
        _connection.autocommit = True
        with _connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    return _connection


def iso(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def milestone(row) -> dict:
    return {
        "id": row[0],
        "engagement": row[1],
        "phase": row[2],
        "title": row[3],
        "description": row[4],
        "owner": row[5],
        "side": row[6],
        "due_date": row[7].isoformat(),
        "status": row[8],
        "evidence": row[9],
        "evidence_required": row[10],
        "depends_on": row[11],
        "external_id": row[12],
        "version": row[13],
        "created_at": iso(row[14]),
        "updated_at": iso(row[15]),
    }


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def cursor_of(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode("ascii").rstrip("=")


def milestones_page(tenant: int, query: dict, base: str) -> dict:
    size = int(query.get("page_size", ["100"])[0])
    after = query.get("after", [ZERO])[0]
    with connection().cursor() as cursor:
        cursor.execute(LIST_SQL, (tenant, after, size))
        rows = [milestone(row) for row in cursor.fetchall()]
    next_link = f"{base}?page_size={size}&after={rows[-1]['id']}" if len(rows) == size else None
    return {"next": next_link, "results": rows}


def changes_page(tenant: int, query: dict, base: str) -> dict:
    limit = int(query.get("limit", ["100"])[0])
    after = query.get("after", [None])[0]
    position = int(base64.urlsafe_b64decode(after + "==")[1:]) if after else 0
    resources = dict(pair.split("=") for pair in os.environ["FLOOR_FEED_TYPES"].split(","))
    with connection().cursor() as cursor:
        cursor.execute(EVENTS_SQL, (tenant, position, list(resources), limit))
        events = cursor.fetchall()
        wanted = sorted({e[2] for e in events if e[1] == "milestone" and e[3] != "deleted"})
        current = {}
        if wanted:
            cursor.execute(BY_IDS_SQL, (tenant, wanted))
            current = {row[0]: milestone(row) for row in cursor.fetchall()}
    entries = [
        {
            "cursor": cursor_of(e[0]),
            "type": resources[e[1]],
            "id": e[2],
            "action": e[3],
            "operation": e[4],
            "correlation_id": e[5],
            "occurred_at": iso(e[6]),
            "object": {"id": e[2]} if e[3] == "deleted" else current.get(e[2]),
        }
        for e in events
    ]
    cursor = entries[-1]["cursor"] if entries else after
    next_link = f"{base}?limit={limit}&after={cursor}" if len(entries) == limit else None
    return {"results": entries, "cursor": cursor, "next": next_link}


def application(environ, start_response):
    tenant = int(os.environ["FLOOR_TENANT"])
    path = environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    base = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}{path}"
    if path == "/milestones":
        body = encode(milestones_page(tenant, query, base))
    elif path == "/changes":
        body = encode(changes_page(tenant, query, base))
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
