"""The floor of ``roster_page.py``: a bare WSGI app, served by the same gunicorn with the same
workers as the product, doing the raw work of the roster page and nothing else.

``GET /roster``: the engagement's requirements (a handful of rows), then ONE query for every
person of the roster with their wave and their results and access steps aggregated as text,
in the page's order (wave, name, id); each person's cells worked out (a pass stands, else the
latest failure; a system's step status), and the heat map's rows rendered by a Django template
with the page's markup per row and per cell.

No authentication, no session, no tenant resolution, no middleware, no ORM: what is left is
the database, the cell building and the template. One connection per worker, kept open.
Configured by environment: ``FLOOR_DATABASE_URL``, ``FLOOR_TENANT``, ``FLOOR_ENGAGEMENT``.
"""

from __future__ import annotations

import os

from django.conf import settings

if not settings.configured:
    settings.configure(USE_TZ=True, USE_I18N=False)

from django.template import Context, Engine
from django.utils.html import escape
from django.utils.safestring import mark_safe

REQUIREMENTS_SQL = """
SELECT id, kind, name FROM roster_requirement
 WHERE tenant_id = {p} AND engagement_id = {p} ORDER BY role, position, id
"""
SQLITE_PEOPLE = """
SELECT p.public_id, p.name, p.role, p.status, w.number,
       (SELECT group_concat(r.requirement_id || ':' || r.passed, ',')
          FROM (SELECT requirement_id, passed FROM roster_result
                 WHERE person_id = p.id ORDER BY attempt) r),
       (SELECT group_concat(s.system_id || ':' || s.status, ',')
          FROM roster_accessstep s WHERE s.person_id = p.id)
  FROM roster_person p JOIN roster_wave w ON w.id = p.wave_id
 WHERE p.tenant_id = ? AND p.engagement_id = ?
 ORDER BY p.wave_id, p.name, p.id
"""
POSTGRES_PEOPLE = """
SELECT CAST(p.public_id AS TEXT), p.name, p.role, p.status, w.number,
       (SELECT string_agg(r.requirement_id || ':' || CASE WHEN r.passed THEN '1' ELSE '0' END,
                          ',' ORDER BY r.attempt)
          FROM roster_result r WHERE r.person_id = p.id),
       (SELECT string_agg(s.system_id || ':' || s.status, ',')
          FROM roster_accessstep s WHERE s.person_id = p.id)
  FROM roster_person p JOIN roster_wave w ON w.id = p.wave_id
 WHERE p.tenant_id = %s AND p.engagement_id = %s
 ORDER BY p.wave_id, p.name, p.id
"""
MARKS = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
    "none": ("·", "not yet"),
    "requested": ("R", "requested, waiting on the client's approval"),
    "approved": ("A", "approved, waiting on the provider to provision"),
    "provisioned": ("P", "provisioned, waiting on the provider to verify"),
    "verified": ("✓", "verified"),
    "refused": ("✗", "refused by the client"),
}
# The page's markup for a row and its cells (templates/roster/roster.html).
TEMPLATE = Engine().from_string(
    '{% for row in rows %}<tr><th scope="row" class="rh-person"><input class="form-check-'
    'input" type="checkbox" name="people" value="{{ row.0 }}" form="bulk-access" aria-label="'
    'Select {{ row.1 }}"> <a href="/roster/people/{{ row.0 }}/">{{ row.1 }}</a><span class="'
    'rp-meta">{{ row.2 }} · {{ row.3 }}</span></th>{{ row.4 }}<td class="rw">{{ row.5 }}</td>'
    "</tr>{% endfor %}"
)

_connection = None


def connection():
    global _connection  # one per gunicorn worker, opened after the fork
    if _connection is None:
        url = os.environ["FLOOR_DATABASE_URL"]
        if url.startswith("sqlite:///"):
            import sqlite3

            _connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        else:
            import psycopg2

            _connection = psycopg2.connect(url)
            _connection.autocommit = True
    return _connection


def page(tenant: int, engagement: int) -> bytes:
    db = connection()
    sqlite = not hasattr(db, "autocommit")
    cursor = db.cursor()
    cursor.execute(REQUIREMENTS_SQL.format(p="?" if sqlite else "%s"), (tenant, engagement))
    columns = cursor.fetchall()
    cursor.execute(SQLITE_PEOPLE if sqlite else POSTGRES_PEOPLE, (tenant, engagement))
    rows = []
    for public_id, name, role, status, _wave, results, steps in cursor.fetchall():
        states: dict[int, str] = {}
        for pair in (results or "").split(","):
            if pair:
                requirement, passed = pair.split(":")
                if states.get(int(requirement)) != "passed":
                    states[int(requirement)] = "passed" if passed == "1" else "failed"
        for pair in (steps or "").split(","):
            if pair:
                system, state = pair.split(":")
                states[int(system)] = state
        cells = []
        waiting = set()
        for requirement, _kind, label in columns:
            state = states.get(requirement, "none")
            mark, words = MARKS[state]
            title = escape(f"{label}: {words}")
            cells.append(f'<td class="rc rc-{state}" title="{title}">{mark}</td>')
            if state not in ("passed", "verified", "refused"):
                waiting.add("client" if state == "requested" else "provider")
        rows.append(
            (
                public_id,
                name,
                role,
                status,
                mark_safe("".join(cells)),  # noqa: S308 (titles escaped)
                " and ".join(sorted(waiting)),
            )
        )
    cursor.close()
    return TEMPLATE.render(Context({"rows": rows})).encode()


def application(environ, start_response):
    if environ.get("PATH_INFO") != "/roster":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = page(int(os.environ["FLOOR_TENANT"]), int(os.environ["FLOOR_ENGAGEMENT"]))
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
