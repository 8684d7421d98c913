"""Writes and rules for engagements, their members, phases and tenant playbooks.

Work that spans apps (building an engagement from a playbook, rescheduling, removing a person)
lives in ``transition.services``; the builders here are the engagement app's part of it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping

from accounts.models import Tenant, User
from accounts.permissions import belongs_to_tenant
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, EngagementMember, Phase, Playbook
from engagements.permissions import require_planner, require_pmo
from engagements.plan import day, moved
from engagements.playbooks import PlaybookDefinition, builtin_document, parse_definition
from engagements.signals import plan_checkpoint
from kernel.errors import InvalidInput, RuleBroken, found
from kernel.text import required_text
from kernel.validation import a_date, a_slug, check_fields, no_nul, not_before


def require_work_in_progress(*, engagement: Engagement) -> None:
    """Gates are not requested or decided while the engagement is paused or over."""
    if engagement.status in {Engagement.Status.ON_HOLD, Engagement.Status.CLOSED}:
        raise RuleBroken(
            f"{engagement.name} is {engagement.get_status_display().lower()}: resume it first."
        )


def lock_phase_for_work(*, phase: Phase) -> Phase:
    """The phase row, locked until this transaction ends, as it is now.

    Everything that adds or reopens work in a phase takes this lock, and so does the approval
    of its gate: a milestone added while the approval commits either waits and finds the
    phase complete, or commits first and is listed by the approval as open.
    """
    return found(Phase.objects.select_for_update(of=("self",)), "No such phase.", pk=phase.pk)


def lock_phases_for_work(*, phase_ids: list[int]) -> None:
    """Several phases locked as ``lock_phase_for_work`` does, in the order of their ids (the
    order of their positions), so two callers never wait on each other in a cycle."""
    list(
        Phase.objects.select_for_update(of=("self",))
        .filter(pk__in=phase_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


DAY0 = "the contract signature date (day 0)"


def _check_day0_and_go_live(
    *, contract_signed_on: object, target_go_live: object
) -> tuple[datetime.date, datetime.date | None]:
    """Day 0 is a date, and a target go-live, when there is one, is not before it."""
    day0 = a_date(contract_signed_on, field="contract_signed_on", label=DAY0.capitalize())
    if target_go_live is None:
        return day0, None
    go_live = a_date(target_go_live, field="target_go_live", label="The target go-live")
    not_before(
        go_live, day0, field="target_go_live", label="The target go-live", earliest_label=DAY0
    )
    return day0, go_live


# --- Builders (called by transition.services inside its transaction) ---------------------------


def build_engagement(
    *,
    tenant: Tenant,
    playbook: PlaybookDefinition,
    name: str,
    client_name: str,
    provider_name: str,
    contract_signed_on: datetime.date,
    seats: Mapping[User, tuple[str, str]],
    scope: str = "",
    time_zone: str = "UTC",
    target_go_live: datetime.date | None = None,
) -> tuple[Engagement, list[EngagementMember], list[Phase]]:
    """The engagement, its seats and its six phases, in three inserts (no events: the caller
    records every created row at once)."""
    text = required_text(name=name, client_name=client_name, provider_name=provider_name)
    no_nul(scope=scope)
    contract_signed_on, target_go_live = _check_day0_and_go_live(
        contract_signed_on=contract_signed_on, target_go_live=target_go_live
    )
    engagement = Engagement(
        tenant=tenant,
        scope=scope.strip(),
        contract_signed_on=contract_signed_on,
        target_go_live=target_go_live or day(contract_signed_on, playbook.go_live_day),
        time_zone=time_zone,
        review_anchor=playbook.review_anchor,
        playbook_key=playbook.key,
        **text,
    )
    # Field validation only: the tenant is the caller's and public_id is a fresh UUID.
    check_fields(engagement, validate_unique=False)
    engagement.save()
    members = EngagementMember.objects.bulk_create(
        [
            EngagementMember(tenant=tenant, engagement=engagement, user=user, side=side, role=role)
            for user, (side, role) in seats.items()
        ]
    )
    phases = Phase.objects.bulk_create(
        [
            Phase(
                tenant=tenant,
                engagement=engagement,
                kind=phase.kind,
                position=position,
                planned_start=day(contract_signed_on, phase.start_day),
                planned_end=day(contract_signed_on, phase.end_day),
            )
            for position, phase in enumerate(playbook.phases, start=1)
        ]
    )
    return engagement, members, phases


def shift_phases(
    *, actor: User, phases: Iterable[Phase], days: datetime.timedelta, note: str
) -> list[Phase]:
    """Move whole phases by ``days`` in one update, their events in one insert."""
    phases = list(phases)
    if not phases:
        return []
    befores = [audit.snapshot(phase) for phase in phases]
    for phase in phases:
        phase.planned_start = moved(phase.planned_start, days)
        phase.planned_end = moved(phase.planned_end, days)
    Phase.objects.bulk_update(phases, ["planned_start", "planned_end"])
    audit.record_many_updated(actor=actor, changed=zip(phases, befores, strict=True), note=note)
    return phases


# --- Lifecycle ---------------------------------------------------------------------------


def locked_for_pmo(*, actor: User, engagement: Engagement, doing: str) -> Engagement:
    """The engagement row, locked for this transaction, once PMO is confirmed."""
    engagement = found(
        Engagement.objects.select_for_update(), "No such engagement.", pk=engagement.pk
    )
    require_pmo(actor=actor, engagement=engagement, doing=doing)
    return engagement


@operation("engagement.started", tenant_of="engagement")
def start_transition(*, actor: User, engagement: Engagement) -> Engagement:
    """Planning ends: the engagement is in transition and its first phase is active."""
    engagement = locked_for_pmo(actor=actor, engagement=engagement, doing="start the transition")
    if engagement.status != Engagement.Status.PLANNING:
        raise RuleBroken(
            f"The transition can start only from planning; it is "
            f"{engagement.get_status_display().lower()}."
        )
    first = engagement.phases.order_by("position").first()
    if first is None:
        raise RuleBroken("This engagement has no phases to start.")
    first.engagement = engagement
    audit.change(
        actor=actor, instance=first, status=Phase.Status.ACTIVE, actual_start=engagement.today()
    )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.IN_TRANSITION)
    plan_checkpoint.send(
        sender=Engagement,
        engagement=engagement,
        actor=actor,
        reason="started",
        label="Transition started",
    )
    return engagement


def advance_after_approval(*, actor: User, phase: Phase) -> Phase | None:
    """Complete an approved phase and open the next; the last one ends the transition.

    Called by the gate approval service inside its transaction.
    """
    engagement = phase.engagement
    today = engagement.today()
    audit.change(actor=actor, instance=phase, status=Phase.Status.COMPLETE, actual_end=today)
    next_phase = (
        Phase.objects.filter(engagement_id=phase.engagement_id, position__gt=phase.position)
        .order_by("position")
        .first()
    )
    if next_phase is not None:
        next_phase.engagement = engagement
        audit.change(
            actor=actor, instance=next_phase, status=Phase.Status.ACTIVE, actual_start=today
        )
    if phase.kind == Phase.Kind.CONTROLLED_GO_LIVE:
        audit.change(actor=actor, instance=engagement, status=Engagement.Status.LIVE)
    elif next_phase is None:
        audit.change(actor=actor, instance=engagement, status=Engagement.Status.STABILISED)
    return next_phase


HOLDABLE = {Engagement.Status.PLANNING, Engagement.Status.IN_TRANSITION, Engagement.Status.LIVE}


@operation("engagement.held", tenant_of="engagement")
def put_on_hold(*, actor: User, engagement: Engagement) -> Engagement:
    engagement = locked_for_pmo(
        actor=actor, engagement=engagement, doing="put an engagement on hold"
    )
    if engagement.status not in HOLDABLE:
        raise RuleBroken(
            f"A {engagement.get_status_display().lower()} engagement cannot be put on hold."
        )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.ON_HOLD)
    return engagement


@operation("engagement.closed", tenant_of="engagement")
def close_engagement(*, actor: User, engagement: Engagement) -> Engagement:
    """A stabilised (or abandoned, on hold) engagement is closed; nothing changes after."""
    engagement = locked_for_pmo(actor=actor, engagement=engagement, doing="close an engagement")
    if engagement.status not in {Engagement.Status.STABILISED, Engagement.Status.ON_HOLD}:
        raise RuleBroken(
            "Only a stabilised engagement, or one on hold, can be closed; this one is "
            f"{engagement.get_status_display().lower()}."
        )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.CLOSED)
    return engagement


@operation("engagement.resumed", tenant_of="engagement")
def resume(*, actor: User, engagement: Engagement) -> Engagement:
    """Back from hold to where the phases say the engagement is."""
    engagement = locked_for_pmo(actor=actor, engagement=engagement, doing="resume an engagement")
    if engagement.status != Engagement.Status.ON_HOLD:
        raise RuleBroken("Only an engagement on hold can be resumed.")
    phases = {phase.kind: phase.status for phase in engagement.phases.all()}
    if all(status == Phase.Status.NOT_STARTED for status in phases.values()):
        status = Engagement.Status.PLANNING
    elif phases.get(Phase.Kind.CONTROLLED_GO_LIVE) == Phase.Status.COMPLETE:
        status = Engagement.Status.LIVE
    else:
        status = Engagement.Status.IN_TRANSITION
    audit.change(actor=actor, instance=engagement, status=status)
    return engagement


EDITABLE_ENGAGEMENT_FIELDS = {
    "name",
    "client_name",
    "provider_name",
    "scope",
    "contract_signed_on",
    "target_go_live",
    "time_zone",
}
REQUIRED_ENGAGEMENT_TEXT = {"name", "client_name", "provider_name"}


def edit_engagement_facts(*, actor: User, engagement: Engagement, **changes) -> set[str]:
    """Set and validate the engagement's facts; the names of the audited fields that changed.

    Called by ``transition.services.update_engagement``, which re-dates reviews when needed.
    """
    unknown = set(changes) - EDITABLE_ENGAGEMENT_FIELDS
    if unknown:
        raise InvalidInput(
            f"Cannot change {', '.join(sorted(unknown))} here.",
            errors={field: ["This field cannot be changed here."] for field in sorted(unknown)},
        )
    required = {field: changes[field] for field in REQUIRED_ENGAGEMENT_TEXT & set(changes)}
    changes.update(required_text(**required))
    no_nul(**changes)
    if {"contract_signed_on", "target_go_live"} & set(changes):
        day0, go_live = _check_day0_and_go_live(
            contract_signed_on=changes.get("contract_signed_on", engagement.contract_signed_on),
            target_go_live=changes.get("target_go_live", engagement.target_go_live),
        )
        for field, value in (("contract_signed_on", day0), ("target_go_live", go_live)):
            if field in changes:
                changes[field] = value
    before = audit.snapshot(engagement)
    for field, value in changes.items():
        setattr(engagement, field, value)
    check_fields(engagement)
    engagement.save()
    event = audit.record_updated(actor=actor, instance=engagement, before=before)
    return set(event.changes) if event is not None else set()


# --- Members ------------------------------------------------------------------------------


@operation("member.added", tenant_of="engagement")
def add_member(
    *,
    actor: User,
    engagement: Engagement,
    user: User,
    side: str,
    role: str = EngagementMember.Role.MEMBER,
) -> EngagementMember:
    require_pmo(actor=actor, engagement=engagement, doing="add people to an engagement")
    if not belongs_to_tenant(user=user, tenant_id=engagement.tenant_id, fresh=True):
        raise InvalidInput(
            "Only members of this tenant can join its engagements.",
            errors={"user": ["This person is not a member of the tenant."]},
        )
    if EngagementMember.objects.filter(engagement=engagement, user=user).exists():
        raise InvalidInput(
            f"{user} is already on this engagement.",
            errors={"user": ["Already a member of this engagement."]},
        )
    member = EngagementMember(
        tenant_id=engagement.tenant_id, engagement=engagement, user=user, side=side, role=role
    )
    check_fields(member)
    member.save()
    audit.record_created(actor=actor, instance=member)
    return member


@operation("member.changed", tenant_of="member")
def change_member(
    *, actor: User, member: EngagementMember, side: str | None = None, role: str | None = None
) -> EngagementMember:
    require_pmo(actor=actor, engagement=member.engagement, doing="change an engagement's team")
    before = audit.snapshot(member)
    member.side = side or member.side
    member.role = role or member.role
    check_fields(member)
    member.save()
    audit.record_updated(actor=actor, instance=member, before=before)
    return member


def delete_seats(*, actor: User, seats: Iterable[EngagementMember]) -> None:
    """Tombstones for the seats, then the seats (called by transition.services)."""
    seats = list(seats)
    for seat in seats:
        audit.record_deleted(actor=actor, instance=seat)
    EngagementMember.objects.filter(pk__in=[seat.pk for seat in seats]).delete()


# --- Tenant playbooks ---------------------------------------------------------------------


@operation("playbook.copied", tenant_of="tenant")
def copy_playbook(
    *,
    actor: User,
    tenant: Tenant,
    key: str,
    new_key: str | None = None,
    name: str | None = None,
) -> Playbook:
    """A tenant's editable copy of a shipped playbook."""
    require_planner(actor=actor, tenant_id=tenant.pk, doing="copy playbooks")
    document = builtin_document(key)
    no_nul(name=name)
    if (new_key or "").strip():
        document["key"] = a_slug(new_key, field="key", label="Playbook key", max_length=80)
    document["name"] = (name or "").strip() or document["name"]
    if len(document["name"]) > 200:
        raise InvalidInput(
            "The playbook name is too long.",
            errors={"name": ["Use at most 200 characters."]},
        )
    parse_definition(document)
    if Playbook.objects.filter(key=document["key"]).exists():
        raise InvalidInput(
            f"This tenant already has a playbook “{document['key']}”.",
            errors={"key": ["A playbook with this key exists."]},
        )
    playbook = Playbook.objects.create(
        tenant=tenant, key=document["key"], name=document["name"], based_on=key, definition=document
    )
    audit.record_created(actor=actor, instance=playbook)
    return playbook


@operation("playbook.updated", tenant_of="playbook")
def update_playbook(*, actor: User, playbook: Playbook, definition: dict) -> Playbook:
    """Replace a tenant playbook's plan; an invalid plan is refused whole."""
    require_planner(actor=actor, tenant_id=playbook.tenant_id, doing="edit playbooks")
    if "\\u0000" in json.dumps(definition):
        raise InvalidInput(
            "definition: text cannot contain a NUL character.",
            errors={"definition": ["Remove the NUL character (\\0) from the plan's text."]},
        )
    parsed = parse_definition({**definition, "key": playbook.key})
    before = audit.snapshot(playbook)
    playbook.definition = {**definition, "key": playbook.key}
    playbook.name = parsed.name
    playbook.save()
    audit.record_updated(actor=actor, instance=playbook, before=before)
    return playbook
