"""Schemathesis hooks for ``scripts/schemathesis.sh``: what neither the schema nor the config
can say.

A request body names other objects by UUID, and a well-formed UUID that names nothing the
caller may use is a 400 naming the field (each operation documents it). No schema can say
which UUIDs exist, so a schema-valid request (positive mode) names the demo engagement's
objects instead of random ones (``fuzz/fixture.py`` found them). Negative requests are
sent exactly as generated.
"""

from __future__ import annotations

import datetime
import json
import os
import urllib.parse
import uuid
from typing import Any

import schemathesis

# Body field → the fixture's variable holding an object it may name.
REFERENCES = {
    "engagement": "ST_ENGAGEMENT",
    "owner": "ST_OWNER",
    "kpi": "ST_KPI",
    "user": "ST_MEMBER",
}


def _name_demo_objects(body: dict[str, Any]) -> None:
    for field, variable in REFERENCES.items():
        if field in body:
            body[field] = os.environ[variable]
    if isinstance(body.get("ids"), list) and isinstance(body.get("change"), dict):
        # A bulk change selects milestones: one of the demo's that the run never deletes (an
        # id nobody can see is a 400), and names the demo's people and dates like any body.
        body["ids"] = [os.environ["ST_BULK_MILESTONE"]]
        _name_demo_objects(body["change"])
    if isinstance(body.get("depends_on"), list):
        body["depends_on"] = [os.environ["ST_DEPENDENCY"] for _ in body["depends_on"][:1]]
    if isinstance(body.get("measured_on"), str) and body["measured_on"] > _today():
        # A measurement cannot be dated in the future, and the future starts tomorrow: a
        # date range no schema can hold still.
        body["measured_on"] = _today()
    if isinstance(body.get("due_date"), str) and body["due_date"] < _today():
        # A milestone is not due before its engagement's day 0 (the demo's is months ago, a
        # date the schema cannot know): a schema-valid due date is moved to yesterday.
        body["due_date"] = _today()
    signed, go_live = body.get("contract_signed_on"), body.get("target_go_live")
    if isinstance(signed, str) and isinstance(go_live, str) and go_live < signed:
        # Go-live is never before day 0: a rule across two fields no schema holds.
        body["contract_signed_on"], body["target_go_live"] = go_live, signed
    if isinstance(body.get("measurements"), list):
        for row in body["measurements"]:
            if isinstance(row, dict):
                _name_demo_objects(row)
    if isinstance(body.get("owners"), dict):
        # Every role of the playbook, and no other, mapped to a member: the roles are the
        # tenant's playbook's, not the schema's.
        body["playbook"] = os.environ["ST_PLAYBOOK"]
        body["owners"] = json.loads(os.environ["ST_OWNERS"])


def _today() -> str:
    # The server's day, give or take its time zone: yesterday is in the past everywhere.
    return (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


def _keep_the_risk_a_risk(body: dict[str, Any]) -> None:
    """The demo RAID item is a risk: its kind, fixed once created, decides that it is open,
    in progress or closed, and that it keeps a probability and an impact (for a new item the
    schema says so; for a change only the stored kind can)."""
    if body.get("status") in {"proposed", "agreed"}:
        body["status"] = "open"
    for field in ("probability", "impact"):
        if field in body and body[field] is None:
            body[field] = 3


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    meta = case.meta
    path = case.operation.path
    if (
        meta is not None
        and meta.generation.mode.is_positive
        and not isinstance(case.body, dict)
        and path.startswith("/api/v1/roster/")
        and case.method == "POST"
        and path.endswith("/request/")
    ):
        # A batch names a wave or people; the schema cannot say "one of the two" for a body
        # that may be left out, so a generated empty one gets wave 1 below.
        case.body = {}
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    _name_demo_objects(case.body)
    external_id = (case.path_parameters or {}).get("external_id")
    if external_id is not None:
        # The path parameter arrives percent-encoded; the server compares the decoded id.
        external_id = urllib.parse.unquote(external_id)
    if case.body.get("external_id") is not None:
        # Unique in the tenant: a value another milestone holds is a 400 naming the field.
        # By external id, the body may repeat the URL's id or leave it out, not name another.
        case.body["external_id"] = external_id or f"fuzz-{uuid.uuid4()}"
    if case.method == "PATCH" and case.operation.path.startswith("/api/v1/raid-items/"):
        _keep_the_risk_a_risk(case.body)
    if path.startswith("/api/v1/roster/"):
        _name_roster_objects(case.body)
        if path.endswith("/erase/"):
            case.body.setdefault("reason", "Request reference 17")
        if path.endswith("/request/") and not case.body.get("wave") and not case.body.get("people"):
            case.body["wave"] = 1


def _name_roster_objects(body: dict[str, Any]) -> None:
    """The roster's demo lives on its own engagement: a body names that engagement, its
    wave 1, one of its people, a provider member as assessor, the agent's certification, and a
    date the attempt can have been taken on (not in the future)."""
    for field, variable in (
        ("engagement", "ST_ROSTER_ENGAGEMENT"),
        ("person", "ST_PERSON"),
        ("assessor", "ST_ASSESSOR"),
    ):
        if field in body:
            body[field] = os.environ[variable]
    if "wave" in body or ("engagement" in body and "people" in body and not body["people"]):
        # A batch names a wave or some people (the schema cannot say "one of the two").
        body["wave"] = 1
    if isinstance(body.get("people"), list):
        body["people"] = [os.environ["ST_PERSON"]]
    if "reason" in body and (not isinstance(body["reason"], str) or not body["reason"].strip()):
        body["reason"] = "Request reference 17"
    if "role" in body:
        body["role"] = "agent"
    if "requirement" in body:
        body["requirement"] = "certification"
    if isinstance(body.get("taken_on"), str) and body["taken_on"] > _today():
        body["taken_on"] = _today()
