"""Example values for the OpenAPI description: one response and one request per operation."""

from __future__ import annotations

ENGAGEMENT_ID = "7d1b7e8a-0c1f-4f7e-9a53-2f6f1c0f4b11"
PERSON_ID = "1c6de0c4-5a4e-4a53-8f1e-7a3d6f0f2a90"
OTHER_PERSON_ID = "b0a7d0a3-3d51-4b2f-9a40-0d7e1b9d8c22"
MILESTONE_ID = "0f4a1a8e-2b5d-4f61-8c3e-6d2a9b7e5c33"
GATE_ID = "5e2b9c1d-7a3f-4e8b-b6d0-1f9a2c4e6b44"
KPI_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c55"
TIMESTAMP = "2026-02-03T09:15:00+00:00"

ENGAGEMENT = {
    "id": ENGAGEMENT_ID,
    "name": "Acme customer care",
    "client_name": "Acme",
    "provider_name": "Northwind BPO",
    "scope": "Inbound voice and e-mail, EN and DE.",
    "contract_signed_on": "2026-01-05",
    "target_go_live": "2026-02-16",
    "time_zone": "Europe/London",
    "status": "in_transition",
    "review_anchor": "contract_signature",
    "playbook": "contact-centre-90-day",
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
}
ENGAGEMENT_CREATE = {
    "playbook": "contact-centre-90-day",
    "name": "Acme customer care",
    "client_name": "Acme",
    "provider_name": "Northwind BPO",
    "contract_signed_on": "2026-01-05",
    "time_zone": "Europe/London",
    "owners": {"client_lead": PERSON_ID, "provider_lead": OTHER_PERSON_ID},
}
PHASE = {
    "id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e66",
    "engagement": ENGAGEMENT_ID,
    "kind": "access",
    "position": 3,
    "planned_start": "2026-01-19",
    "planned_end": "2026-01-30",
    "actual_start": "2026-01-20",
    "actual_end": None,
    "status": "active",
    "gate": GATE_ID,
}
MEMBER = {
    "id": PERSON_ID,
    "username": "jane.doe",
    "name": "Jane Doe",
    "email": "jane.doe@acme.example",
    "role": "member",
    "seats": [{"engagement": ENGAGEMENT_ID, "side": "client", "role": "lead"}],
}
MILESTONE = {
    "id": MILESTONE_ID,
    "engagement": ENGAGEMENT_ID,
    "phase": "access",
    "title": "Agent accounts provisioned (batch 1)",
    "description": "Identity and permissions for the first 20 agents.",
    "owner": PERSON_ID,
    "side": "client",
    "due_date": "2026-01-23",
    "status": "in_progress",
    "evidence": "",
    "evidence_required": True,
    "depends_on": [],
    "external_id": "TICKET-4711",
    "version": 3,
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
}
MILESTONE_WRITE = {
    "engagement": ENGAGEMENT_ID,
    "phase": "access",
    "title": "Agent accounts provisioned (batch 1)",
    "owner": PERSON_ID,
    "side": "client",
    "due_date": "2026-01-23",
    "status": "in_progress",
    "evidence_required": True,
    "external_id": "TICKET-4711",
}
MILESTONE_PATCH = {"status": "done", "evidence": "https://tickets.example.com/TICKET-4711"}
GATE = {
    "id": GATE_ID,
    "engagement": ENGAGEMENT_ID,
    "phase": "access",
    "name": "Access gate",
    "status": "requested",
    "client_attestation_required": True,
    "provider_attestation_required": True,
    "requested_at": TIMESTAMP,
    "requested_by": OTHER_PERSON_ID,
    "attestations": [
        {"side": "client", "attested_by": PERSON_ID, "attested_at": TIMESTAMP, "comment": "OK"}
    ],
    "decisions": [],
}
CRITERION = {
    "id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a677",
    "gate": GATE_ID,
    "engagement": ENGAGEMENT_ID,
    "position": 1,
    "text": "Every agent can sign in to every production system.",
    "required": True,
    "state": "met",
    "justification": "",
    "decided_by": OTHER_PERSON_ID,
    "decided_at": TIMESTAMP,
}
REVIEW = {
    "id": "4f5a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b788",
    "engagement": ENGAGEMENT_ID,
    "day": 30,
    "title": "Day-30 baseline",
    "focus": "Set the baseline for every KPI.",
    "scheduled_on": "2026-02-04",
    "window_days": 14,
    "status": "scheduled",
    "published_at": None,
    "published_by": None,
    "published_early": False,
    "publish_reason": "",
    "target_standing": "",
    "misses_understood": "",
    "lessons_learned": "",
    "next_period_changes": "",
    "results": [
        {
            "kpi": KPI_ID,
            "value": "78.5000",
            "target": "80.0000",
            "met": False,
            "outcome": "missed",
            "root_cause": "Two trainers out sick in week 3.",
            "corrective_action": "Refresher sessions for the late cohort.",
            "action_owner": OTHER_PERSON_ID,
            "action_due": "2026-02-11",
        }
    ],
}
KPI = {
    "id": KPI_ID,
    "engagement": ENGAGEMENT_ID,
    "key": "service-level",
    "name": "Service level (80/20)",
    "unit": "%",
    "target": "80.0000",
    "direction": "higher",
    "contractual_from": "2026-02-16",
}
KPI_WRITE = {k: v for k, v in KPI.items() if k != "id"}
MEASUREMENT = {
    "id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c99",
    "kpi": KPI_ID,
    "engagement": ENGAGEMENT_ID,
    "measured_on": "2026-02-02",
    "value": "81.2000",
    "recorded_by": PERSON_ID,
    "recorded_at": TIMESTAMP,
}
MEASUREMENT_WRITE = {"kpi": KPI_ID, "measured_on": "2026-02-02", "value": "81.2"}
MEASUREMENT_BATCH = {
    "measurements": [
        MEASUREMENT_WRITE,
        {"kpi": KPI_ID, "measured_on": "2026-02-03", "value": "79.9"},
    ]
}
API_TOKEN = {
    "id": "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8daa",
    "name": "Ticketing sync",
    "prefix": "3f9a0c2b7d1e",
    "user": PERSON_ID,
    "read_only": False,
    "created_at": TIMESTAMP,
    "last_used_at": None,
    "revoked_at": None,
}
API_TOKEN_ISSUED = {**API_TOKEN, "token": "bpo_3f9a0c2b7d1e_" + "x" * 43}
API_TOKEN_WRITE = {"name": "Ticketing sync", "user": PERSON_ID, "read_only": False}
PROBLEM = {
    "type": "urn:bpo-transition:problem:items-open",
    "title": "Refused by a business rule",
    "status": 409,
    "detail": "“Access gate” cannot be approved; still open: Open milestone: Badge access "
    "(in progress)",
    "errors": {},
    "items": ["Open milestone: Badge access (in progress)"],
}

RAID_ITEM = {
    "id": "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e01",
    "engagement": ENGAGEMENT_ID,
    "kind": "risk",
    "title": "Agents leave during the first wave",
    "description": "",
    "owner": PERSON_ID,
    "due_date": "2026-02-20",
    "status": "open",
    "probability": 4,
    "impact": 4,
    "score": 16,
    "response": "Retention bonus at day 60.",
    "version": 1,
}
RAID_ITEM_WRITE = {
    k: v for k, v in RAID_ITEM.items() if k not in {"id", "score", "version", "description"}
}
RAID_ITEM_PATCH = {"status": "in_progress", "response": "Retention bonus agreed."}
