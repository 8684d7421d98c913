"""Every API operation: how to reach an object of a world, what to send, who may do it.

The access tests are generated from this table; a new endpoint is one more row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.models import ApiToken, WebhookDelivery, WebhookSubscription
from api.webhooks.services import create_subscription
from audit.models import Event
from engagements.models import Phase
from governance.models import Gate
from governance.services import request_gate_decision
from milestones.models import Milestone, MilestoneDependency
from registers.models import RaidItem
from registers.services import create_raid_item
from reporting.models import Kpi, KpiMeasurement, Review
from roster import access
from roster import services as roster_services
from roster.models import Person
from tests.api.roster_objects import START, a_result, a_roster_person, a_wave, an_access_step
from tests.world import DAY0, finish_phase, meet_criteria_and_attest, owners_for

V1 = "/api/v1"

# What an operation names: an object in its URL, nothing (a list), or objects in its body;
# NOTHING: a write whose body names no object of any world (a webhook's URL and events).
OBJECT, LIST, BODY, NOTHING = "object", "list", "body", "nothing"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Any], str]
    body: Callable[[Any], Any] | None = None
    names: str = OBJECT
    caller: str = "pmo"
    status: int = 200
    prepare: Callable[[Any], None] | None = None
    # What a tenant member outside the engagement gets, when not the default for ``names``.
    bystander: int | None = None

    @property
    def writes(self) -> bool:
        return self.method != "get"

    def __str__(self) -> str:
        return self.name


# --- The objects of a world (called inside its tenant) ----------------------------------------


def kickoff_gate(w) -> Gate:
    return Gate.objects.get(engagement=w.engagement, phase__kind="kickoff")


def free_milestone(w) -> Milestone:
    """A milestone of a phase not started, on which nothing depends."""
    depended_on = MilestoneDependency.objects.values("depends_on_id")
    return (
        Milestone.objects.filter(engagement=w.engagement, phase__status="not_started")
        .exclude(pk__in=depended_on)
        .order_by("due_date", "id")
        .first()
    )


def external_id_of(w) -> str:
    milestone = free_milestone(w)
    if milestone.external_id is None:
        milestone.external_id = f"EXT-{w.tenant.slug}"
        Milestone.objects.filter(pk=milestone.pk).update(external_id=milestone.external_id)
    return milestone.external_id


def milestone_body(w, **changes) -> dict:
    milestone = free_milestone(w)
    return {
        "engagement": str(w.engagement.public_id),
        "phase": milestone.phase.kind,
        "title": milestone.title,
        "description": milestone.description,
        "owner": str(milestone.owner.public_id),
        "side": milestone.side,
        "due_date": milestone.due_date.isoformat(),
        "status": milestone.status,
        "evidence_required": milestone.evidence_required,
        "depends_on": [str(d.public_id) for d in milestone.depends_on.all()],
        **changes,
    }


def bulk_change_body(w) -> dict:
    milestone = free_milestone(w)
    return {
        "ids": [str(milestone.public_id)],
        "change": {"due_date": (milestone.due_date + datetime.timedelta(days=1)).isoformat()},
    }


def a_bulk_change(w):
    """The correlation id of a bulk change by the world's PMO (made on first use)."""
    from milestones import bulk

    found = (
        Event.objects.filter(operation=bulk.OPERATION, actor=w.pmo)
        .values_list("correlation_id", flat=True)
        .first()
    )
    if found is not None:
        return found
    milestone = free_milestone(w)
    return bulk.apply_bulk_change(
        actor=w.pmo,
        tenant=w.tenant,
        ids=[milestone.public_id],
        change=bulk.BulkChange(due_date=milestone.due_date + datetime.timedelta(days=2)),
    ).operation


def new_milestone_body(w) -> dict:
    return {
        "engagement": str(w.engagement.public_id),
        "phase": "tooling",
        "title": "Wallboard shows live queue",
        "owner": str(w.provider_lead.public_id),
        "side": "provider",
        "due_date": "2026-02-01",
    }


def a_kpi(w) -> Kpi:
    return Kpi.objects.filter(engagement=w.engagement).order_by("key").first()


def measurement_row(w, day: int = 20) -> dict:
    return {"kpi": str(a_kpi(w).public_id), "measured_on": f"2026-01-{day}", "value": "12.5"}


def a_raid_item(w) -> RaidItem:
    """The world's one RAID item (a risk owned by its provider lead), added on first use."""
    found = RaidItem.objects.filter(engagement=w.engagement).order_by("id").first()
    return found or create_raid_item(
        actor=w.pmo,
        engagement=w.engagement,
        kind="risk",
        title="Agents leave during the first wave",
        owner=w.provider_lead,
        due_date=DAY0,
        probability=4,
        impact=4,
    )


def raid_item_body(w) -> dict:
    return {
        "engagement": str(w.engagement.public_id),
        "kind": "action",
        "title": "Book the training rooms",
        "owner": str(w.provider_lead.public_id),
        "due_date": "2026-02-01",
    }


def token_named(w, name: str) -> ApiToken:
    return ApiToken.objects.get(name=name)


def engagement_body(w) -> dict:
    owners = owners_for("seven-step-onboarding", w.world.__dict__)
    return {
        "playbook": "seven-step-onboarding",
        "name": "Second desk",
        "client_name": "Acme",
        "provider_name": "Beta",
        "contract_signed_on": DAY0.isoformat(),
        "owners": {role: str(user.public_id) for role, user in owners.items()},
    }


def kickoff_done_and_requested(w) -> None:
    gate = kickoff_gate(w)
    finish_phase(w.world, "kickoff")
    meet_criteria_and_attest(w.world, gate)
    request_gate_decision(actor=w.provider_lead, gate=gate)


def kickoff_requested(w) -> None:
    request_gate_decision(actor=w.provider_lead, gate=kickoff_gate(w))


def url(template: str, find: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda w: V1 + template.format(id=find(w).public_id)


engagement = url("/engagements/{id}/", lambda w: w.engagement)
phase = url("/phases/{id}/", lambda w: Phase.objects.get(engagement=w.engagement, kind="access"))
milestone = url("/milestones/{id}/", free_milestone)
gate = url("/gates/{id}/", kickoff_gate)
criterion = url(
    "/gate-criteria/{id}/", lambda w: kickoff_gate(w).criteria.order_by("position").first()
)
review = url("/reviews/{id}/", lambda w: Review.objects.get(engagement=w.engagement, day=14))
kpi = url("/kpis/{id}/", a_kpi)
measurement = url(
    "/kpi-measurements/{id}/", lambda w: KpiMeasurement.objects.get(kpi__engagement=w.engagement)
)
raid_item = url("/raid-items/{id}/", a_raid_item)
member = url("/members/{id}/", lambda w: w.provider_lead)
token = url("/api-tokens/{id}/", lambda w: token_named(w, "bystander"))


def a_webhook(w) -> WebhookSubscription:
    found = WebhookSubscription.objects.order_by("id").first()
    if found is None:
        found, _secret = create_subscription(
            actor=w.admin,
            tenant=w.tenant,
            url="https://hooks.example.com/bpo",
            event_types=["milestone.updated"],
        )
    return found


def a_delivery(w) -> WebhookDelivery:
    webhook = a_webhook(w)
    found = webhook.deliveries.order_by("id").first()
    if found is None:
        found = WebhookDelivery.objects.create(
            tenant=w.tenant,
            subscription=webhook,
            event=Event.objects.filter(object_type="milestone").order_by("position").first(),
            event_type="milestone.created",
            payload={"event": "milestone.created"},
        )
    return found


webhook = url("/webhooks/{id}/", a_webhook)


def listing(path: str) -> Callable[[Any], str]:
    return lambda w: V1 + path


# --- The readiness roster -------------------------------------------------------------------


def roster_person(w) -> str:
    return f"{V1}/roster/people/{a_roster_person(w).public_id}/"


def roster_person_by_hr_id(w) -> str:
    return f"{V1}/roster/people/by-external-id/{a_roster_person(w).external_id}/"


def roster_person_body(w, **changes) -> dict:
    return {
        "engagement": str(w.engagement.public_id),
        "name": "Bea Costa",
        "email": "bea.costa@provider.example",
        "role": "agent",
        "wave": a_wave(w).number,
        "start_date": START.isoformat(),
        **changes,
    }


def roster_result_body(w) -> dict:
    return {
        "person": str(a_roster_person(w).public_id),
        "requirement": "certification",
        "passed": False,
        "taken_on": "2026-01-20",
        "score": 40,
        "assessor": str(w.provider_staff.public_id),
    }


def roster_step(w) -> str:
    return f"{V1}/roster/access-steps/{an_access_step(w).public_id}/"


def step_moved(*actions: str):
    def prepare(w) -> None:
        step = an_access_step(w)
        for action in actions:
            actor = w.client_lead if action == "approve" else w.provider_lead
            access.advance(actor=actor, engagement=w.engagement, steps=[step], action=action)

    return prepare


def roster_request_body(w) -> dict:
    """Access for a person who has none yet."""
    newcomer = roster_services.add_person(
        actor=w.pmo,
        engagement=w.engagement,
        external_id=f"HR-NEW-{Person.objects.count()}",
        name="New Comer",
        email=f"new.{Person.objects.count()}@provider.example",
        role="agent",
        wave=a_wave(w).number,
        start_date=START,
    )
    return {"engagement": str(w.engagement.public_id), "people": [str(newcomer.public_id)]}


ROSTER_ENDPOINTS = [
    Endpoint("roster people list", "get", listing("/roster/people/"), names=LIST),
    Endpoint("roster person", "get", roster_person),
    Endpoint(
        "roster person create",
        "post",
        listing("/roster/people/"),
        lambda w: roster_person_body(w, external_id="HR-2002"),
        names=BODY,
        status=201,
        caller="provider_lead",
    ),
    Endpoint("roster person change", "patch", roster_person, lambda w: {"site": "Porto"}),
    Endpoint(
        "roster person erase",
        "post",
        lambda w: roster_person(w) + "erase/",
        lambda w: {"reason": "GDPR-17"},
    ),
    Endpoint("roster person by HR id", "get", roster_person_by_hr_id),
    Endpoint(
        "roster person upsert by HR id",
        "put",
        roster_person_by_hr_id,
        lambda w: roster_person_body(w, name="Ana Lima", email="ana.lima@provider.example"),
        names=BODY,
        caller="provider_lead",
    ),
    Endpoint("roster results list", "get", listing("/roster/results/"), names=LIST),
    Endpoint(
        "roster result",
        "get",
        lambda w: f"{V1}/roster/results/{a_result(w).public_id}/",
    ),
    Endpoint(
        "roster result record",
        "post",
        listing("/roster/results/"),
        roster_result_body,
        names=BODY,
        status=201,
        caller="provider_lead",
    ),
    Endpoint("roster access steps list", "get", listing("/roster/access-steps/"), names=LIST),
    Endpoint("roster access step", "get", roster_step),
    Endpoint(
        "roster access approve",
        "post",
        lambda w: roster_step(w) + "approve/",
        lambda w: {},
        caller="client_lead",
    ),
    Endpoint(
        "roster access provision",
        "post",
        lambda w: roster_step(w) + "provision/",
        lambda w: {},
        caller="provider_lead",
        prepare=step_moved("approve"),
    ),
    Endpoint(
        "roster access verify",
        "post",
        lambda w: roster_step(w) + "verify/",
        lambda w: {},
        caller="provider_lead",
        prepare=step_moved("approve", "provision"),
    ),
    Endpoint(
        "roster access refuse",
        "post",
        lambda w: roster_step(w) + "refuse/",
        lambda w: {"reason": "Not entitled"},
        caller="client_lead",
    ),
    Endpoint(
        "roster access request",
        "post",
        listing("/roster/access-steps/request/"),
        roster_request_body,
        names=BODY,
        status=201,
        caller="provider_lead",
    ),
]

# --- Baselines (the API world's transition has started, so each has one) --------------------


def a_baseline(w) -> str:
    from baselines.models import Baseline

    baseline = Baseline.objects.filter(engagement=w.engagement).order_by("pk").first()
    return f"{V1}/baselines/{baseline.public_id}/"


BASELINE_ENDPOINTS = [
    Endpoint("baselines list", "get", listing("/baselines/"), names=LIST),
    Endpoint("baseline", "get", a_baseline),
]

ENDPOINTS = [
    Endpoint("engagements list", "get", listing("/engagements/"), names=LIST),
    Endpoint("engagement", "get", engagement),
    Endpoint(
        "engagement create",
        "post",
        listing("/engagements/"),
        engagement_body,
        names=BODY,
        status=201,
        bystander=403,
    ),
    Endpoint("phases list", "get", listing("/phases/"), names=LIST),
    Endpoint("forecasts list", "get", listing("/forecasts/"), names=LIST),
    Endpoint("forecast", "get", url("/forecasts/{id}/", lambda w: w.engagement)),
    Endpoint("change feed", "get", listing("/changes/"), names=LIST),
    Endpoint("phase", "get", phase),
    Endpoint("members list", "get", listing("/members/"), names=LIST),
    Endpoint("member", "get", member),
    Endpoint("milestones list", "get", listing("/milestones/"), names=LIST),
    Endpoint("milestone", "get", milestone),
    Endpoint(
        "milestone create",
        "post",
        listing("/milestones/"),
        new_milestone_body,
        names=BODY,
        status=201,
    ),
    Endpoint(
        "milestone replace",
        "put",
        milestone,
        lambda w: milestone_body(w, title="Replaced over the API"),
    ),
    Endpoint("milestone change", "patch", milestone, lambda w: {"title": "Patched"}),
    Endpoint(
        "milestones bulk change",
        "post",
        lambda w: f"{V1}/milestones/bulk/",
        bulk_change_body,
        names=BODY,
    ),
    Endpoint(
        "milestones bulk undo",
        "post",
        lambda w: f"{V1}/milestones/bulk/undo/",
        lambda w: {"operation": str(a_bulk_change(w))},
    ),
    Endpoint("milestone delete", "delete", milestone, status=204),
    Endpoint(
        "milestone by external id",
        "get",
        lambda w: f"{V1}/milestones/by-external-id/{external_id_of(w)}/",
    ),
    Endpoint(
        "milestone upsert by external id",
        "put",
        lambda w: f"{V1}/milestones/by-external-id/NEW-{w.tenant.slug}/",
        new_milestone_body,
        names=BODY,
        status=201,
    ),
    Endpoint("gates list", "get", listing("/gates/"), names=LIST),
    Endpoint("gate", "get", gate),
    Endpoint(
        "gate approve",
        "post",
        lambda w: gate(w) + "approve/",
        lambda w: {"comment": "Ready"},
        prepare=kickoff_done_and_requested,
    ),
    Endpoint(
        "gate reject",
        "post",
        lambda w: gate(w) + "reject/",
        lambda w: {"reason": "Not yet"},
        prepare=kickoff_requested,
    ),
    Endpoint(
        "gate attest",
        "post",
        lambda w: gate(w) + "attest/",
        lambda w: {"side": "provider"},
        caller="provider_lead",
    ),
    Endpoint(
        "gate request decision",
        "post",
        lambda w: gate(w) + "request-decision/",
        lambda w: {},
        caller="provider_lead",
    ),
    Endpoint("gate criteria list", "get", listing("/gate-criteria/"), names=LIST),
    Endpoint("gate criterion", "get", criterion),
    Endpoint("criterion met", "post", lambda w: criterion(w) + "met/", lambda w: {}),
    Endpoint("criterion not met", "post", lambda w: criterion(w) + "not-met/", lambda w: {}),
    Endpoint(
        "criterion waive",
        "post",
        lambda w: criterion(w) + "waive/",
        lambda w: {"justification": "Covered by the client's audit"},
    ),
    Endpoint("reviews list", "get", listing("/reviews/"), names=LIST),
    Endpoint("review", "get", review),
    # One KPI on target, the others with No data: publishing needs a reason (400 naming it).
    Endpoint("review publish", "post", lambda w: review(w) + "publish/", lambda w: {}, status=400),
    Endpoint("kpis list", "get", listing("/kpis/"), names=LIST),
    Endpoint("kpi", "get", kpi),
    Endpoint(
        "kpi create",
        "post",
        listing("/kpis/"),
        lambda w: {
            "engagement": str(w.engagement.public_id),
            "key": "first-call-resolution",
            "name": "First-call resolution",
            "target": "70",
            "direction": "higher",
        },
        names=BODY,
        status=201,
    ),
    Endpoint("kpi measurements list", "get", listing("/kpi-measurements/"), names=LIST),
    Endpoint("kpi measurement", "get", measurement),
    Endpoint(
        "kpi measurement create",
        "post",
        listing("/kpi-measurements/"),
        measurement_row,
        names=BODY,
        status=201,
    ),
    Endpoint(
        "kpi measurements bulk",
        "post",
        listing("/kpi-measurements/bulk/"),
        lambda w: {"measurements": [measurement_row(w, 20), measurement_row(w, 21)]},
        names=BODY,
        status=201,
    ),
    *ROSTER_ENDPOINTS,
    *BASELINE_ENDPOINTS,
    # Search looks in the caller's tenant only, whichever world's words it is given: the
    # access tests check that nothing of another tenant (names, titles) comes back.
    Endpoint(
        "search", "get", lambda w: f"{V1}/search/?q={w.engagement.name.split()[0]}", names=LIST
    ),
    Endpoint("raid items list", "get", listing("/raid-items/"), names=LIST),
    Endpoint("raid item", "get", raid_item),
    Endpoint(
        "raid item create",
        "post",
        listing("/raid-items/"),
        raid_item_body,
        names=BODY,
        status=201,
    ),
    Endpoint("raid item change", "patch", raid_item, lambda w: {"status": "in_progress"}),
    Endpoint(
        "api tokens list",
        "get",
        listing("/api-tokens/"),
        names=LIST,
        caller="admin",
        bystander=403,
    ),
    Endpoint("api token", "get", token, caller="admin", bystander=403),
    Endpoint(
        "api token create",
        "post",
        listing("/api-tokens/"),
        lambda w: {"name": "BI job", "user": str(w.provider_lead.public_id)},
        names=BODY,
        caller="admin",
        status=201,
        bystander=403,
    ),
    Endpoint(
        "api token revoke",
        "post",
        lambda w: token(w) + "revoke/",
        lambda w: {},
        caller="admin",
        bystander=403,
    ),
    Endpoint(
        "webhooks list", "get", listing("/webhooks/"), names=LIST, caller="admin", bystander=403
    ),
    Endpoint("webhook", "get", webhook, caller="admin", bystander=403),
    Endpoint(
        "webhook create",
        "post",
        listing("/webhooks/"),
        lambda w: {"url": "https://hooks.example.com/new", "event_types": ["gate.approved"]},
        names=NOTHING,
        caller="admin",
        status=201,
        bystander=403,
    ),
    Endpoint(
        "webhook change",
        "patch",
        webhook,
        lambda w: {"active": False},
        caller="admin",
        bystander=403,
    ),
    Endpoint("webhook delete", "delete", webhook, caller="admin", status=204, bystander=403),
    Endpoint(
        "webhook deliveries",
        "get",
        lambda w: webhook(w) + "deliveries/",
        caller="admin",
        bystander=403,
    ),
    Endpoint(
        "webhook delivery resend",
        "post",
        lambda w: f"{webhook(w)}deliveries/{a_delivery(w).public_id}/resend/",
        lambda w: {},
        caller="admin",
        bystander=403,
    ),
]
