"""Writes and rules for engagements, their members, phases and playbooks."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.models import Membership, User
from accounts.selectors import membership_in
from audit import services as audit
from bpo_transition.errors import InvalidInput, NotAllowed, RuleBroken, check_fields
from bpo_transition.tenancy import get_active_tenant
from engagements import selectors
from engagements.models import Engagement, EngagementMember, Phase, Playbook
from engagements.playbooks import PlaybookDefinition, builtin_document, parse_definition

# --- Permission checks shared by every app's services --------------------------------------


def require_editor(*, actor: User, engagement: Engagement) -> None:
    if not selectors.can_edit(actor=actor, engagement=engagement):
        raise NotAllowed("Only members of this engagement who are not viewers can change it.")


def require_pmo(*, actor: User, engagement: Engagement, doing: str) -> None:
    if not selectors.is_pmo(actor=actor, engagement=engagement):
        raise NotAllowed(f"Only PMO can {doing}.")


def require_tenant_planner(*, actor: User, doing: str) -> Membership:
    """Tenant admins and PMO build plans and engagements."""
    tenant = get_active_tenant()
    membership = membership_in(user=actor, tenant_id=tenant.pk) if tenant is not None else None
    if membership is None or membership.role not in {Membership.Role.ADMIN, Membership.Role.PMO}:
        raise NotAllowed(f"Only tenant admins and PMO can {doing}.")
    return membership


def require_work_in_progress(*, engagement: Engagement) -> None:
    """Gates are not requested or decided while the engagement is paused or over."""
    if engagement.status in {Engagement.Status.ON_HOLD, Engagement.Status.CLOSED}:
        raise RuleBroken(
            f"{engagement.name} is {engagement.get_status_display().lower()}: resume it first."
        )


# --- Engagements from playbooks -----------------------------------------------------------


LEAD_ROLES = {"client_lead", "provider_lead", "pmo_lead"}


def _seat_role(role_key: str) -> str:
    """The side's lead roles take the lead seat (they attest gates); every other role is a
    member."""
    return EngagementMember.Role.LEAD if role_key in LEAD_ROLES else EngagementMember.Role.MEMBER


def _check_owner_mapping(
    *, playbook: PlaybookDefinition, owners: Mapping[str, User]
) -> dict[User, tuple[str, str]]:
    """Every role mapped to a tenant member, one side per person; the seat of each person."""
    missing = [key for key in playbook.role_keys if owners.get(key) is None]
    if missing:
        raise InvalidInput(
            f"Every owner role needs a named person; unmapped: {', '.join(missing)}.",
            errors={"owners": [f"Role “{key}” is not mapped to a person." for key in missing]},
        )
    unknown = sorted(set(owners) - set(playbook.role_keys))
    if unknown:
        raise InvalidInput(
            f"The playbook has no role {', '.join(unknown)}.",
            errors={"owners": [f"Role “{key}” is not in this playbook." for key in unknown]},
        )
    tenant = get_active_tenant()
    members_of_tenant = set(
        Membership.objects.filter(tenant=tenant, user__in=list(owners.values())).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [key for key, user in owners.items() if user.pk not in members_of_tenant]
    if outsiders:
        raise InvalidInput(
            f"Owners must be members of this tenant; not a member: {', '.join(outsiders)}.",
            errors={
                "owners": [f"The person for “{key}” is not in this tenant." for key in outsiders]
            },
        )
    seats: dict[User, tuple[str, str]] = {}
    for role in playbook.roles:
        user = owners[role.key]
        side, seat_role = role.side, _seat_role(role.key)
        if user in seats and seats[user][0] != side:
            raise InvalidInput(
                f"{user} cannot sit on both the {seats[user][0]} and the {side} side.",
                errors={"owners": [f"“{role.key}” puts {user} on a second side."]},
            )
        if user not in seats or seat_role == EngagementMember.Role.LEAD:
            seats[user] = (side, seat_role)
    return seats


def _day(day0: datetime.date, offset: int) -> datetime.date:
    return day0 + datetime.timedelta(days=offset)


@transaction.atomic
def create_engagement_from_playbook(
    *,
    actor: User,
    playbook: PlaybookDefinition,
    name: str,
    client_name: str,
    provider_name: str,
    contract_signed_on: datetime.date,
    owners: Mapping[str, User],
    scope: str = "",
    time_zone: str = "UTC",
    target_go_live: datetime.date | None = None,
) -> Engagement:
    """Phases, milestones, gates, criteria, reviews and KPIs in a fixed number of inserts.

    Day 0 is the contract signature; every owner role must map to a named tenant member.
    Nothing is created when anything is wrong.
    """
    from governance.models import Gate, GateCriterion
    from milestones.models import Milestone, MilestoneDependency
    from reporting.models import Kpi, Review

    require_tenant_planner(actor=actor, doing="create engagements")
    problems = {
        field: ["This field is required."]
        for field, value in (
            ("name", name),
            ("client_name", client_name),
            ("provider_name", provider_name),
        )
        if not (value or "").strip()
    }
    if problems:
        raise InvalidInput(f"Missing: {', '.join(problems)}.", errors=problems)
    seats = _check_owner_mapping(playbook=playbook, owners=owners)
    tenant = get_active_tenant()
    day0 = contract_signed_on

    engagement = Engagement(
        tenant=tenant,
        name=name.strip(),
        client_name=client_name.strip(),
        provider_name=provider_name.strip(),
        scope=scope,
        contract_signed_on=day0,
        target_go_live=target_go_live or _day(day0, playbook.go_live_day),
        time_zone=time_zone,
        review_anchor=playbook.review_anchor,
        playbook_key=playbook.key,
    )
    # Field validation only: the tenant is the active one and public_id is a fresh UUID.
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
                planned_start=_day(day0, phase.start_day),
                planned_end=_day(day0, phase.end_day),
            )
            for position, phase in enumerate(playbook.phases, start=1)
        ]
    )
    phase_by_kind = {phase.kind: phase for phase in phases}

    milestones = Milestone.objects.bulk_create(
        [
            Milestone(
                tenant=tenant,
                engagement=engagement,
                phase=phase_by_kind[phase.kind],
                title=item.title,
                description=item.description,
                owner=owners[item.owner_role],
                side=item.side,
                due_date=_day(day0, item.due_day),
                evidence_required=item.evidence_required,
                playbook_key=item.key,
            )
            for phase in playbook.phases
            for item in phase.milestones
        ]
    )
    milestone_by_key = {milestone.playbook_key: milestone for milestone in milestones}
    for phase in playbook.phases:
        for item in phase.milestones:
            milestone_by_key[item.key]._audit_values = {
                "depends_on": sorted(
                    str(milestone_by_key[key].public_id) for key in item.depends_on
                )
            }
    MilestoneDependency.objects.bulk_create(
        [
            MilestoneDependency(
                tenant=tenant,
                milestone=milestone_by_key[item.key],
                depends_on=milestone_by_key[dependency],
            )
            for phase in playbook.phases
            for item in phase.milestones
            for dependency in item.depends_on
        ]
    )

    gates = Gate.objects.bulk_create(
        [
            Gate(
                tenant=tenant,
                engagement=engagement,
                phase=phase_by_kind[phase.kind],
                name=phase.gate.name,
                client_attestation_required=phase.gate.client_attestation_required,
                provider_attestation_required=phase.gate.provider_attestation_required,
            )
            for phase in playbook.phases
        ]
    )
    criteria = GateCriterion.objects.bulk_create(
        [
            GateCriterion(
                tenant=tenant,
                gate=gate,
                position=position,
                text=criterion.text,
                required=criterion.required,
            )
            for gate, phase in zip(gates, playbook.phases, strict=True)
            for position, criterion in enumerate(phase.gate.criteria, start=1)
        ]
    )

    anchor = (
        engagement.contract_signed_on
        if playbook.review_anchor == "contract_signature"
        else engagement.target_go_live
    )
    reviews = Review.objects.bulk_create(
        [
            Review(
                tenant=tenant,
                engagement=engagement,
                day=review.day,
                title=review.title,
                focus=review.focus,
                window_days=review.window_days,
                scheduled_on=_day(anchor, review.day),
            )
            for review in playbook.reviews
        ]
    )
    kpis = Kpi.objects.bulk_create(
        [
            Kpi(
                tenant=tenant,
                engagement=engagement,
                key=kpi.key,
                name=kpi.name,
                unit=kpi.unit,
                target=kpi.target,
                direction=kpi.direction,
                contractual_from=None
                if kpi.contractual_from_day is None
                else _day(day0, kpi.contractual_from_day),
            )
            for kpi in playbook.kpis
        ]
    )
    audit.record_many_created(
        actor=actor,
        instances=[engagement, *members, *phases, *milestones, *gates, *criteria, *reviews, *kpis],
    )
    return engagement


# --- Lifecycle ---------------------------------------------------------------------------


def _locked_for_pmo(*, actor: User, engagement: Engagement, doing: str) -> Engagement:
    """The engagement row, locked for this transaction, once PMO is confirmed."""
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    require_pmo(actor=actor, engagement=engagement, doing=doing)
    return engagement


@transaction.atomic
def start_transition(*, actor: User, engagement: Engagement) -> Engagement:
    """Planning ends: the engagement is in transition and its first phase is active."""
    engagement = _locked_for_pmo(actor=actor, engagement=engagement, doing="start the transition")
    if engagement.status != Engagement.Status.PLANNING:
        raise RuleBroken(
            f"The transition can start only from planning; it is "
            f"{engagement.get_status_display().lower()}."
        )
    first = engagement.phases.order_by("position").first()
    if first is None:
        raise RuleBroken("This engagement has no phases to start.")
    audit.change(
        actor=actor, instance=first, status=Phase.Status.ACTIVE, actual_start=engagement.today()
    )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.IN_TRANSITION)
    return engagement


def advance_after_approval(*, actor: User, phase: Phase) -> Phase | None:
    """Complete an approved phase and open the next; the last one ends the transition.

    Called by the gate approval service inside its transaction.
    """
    today = phase.engagement.today()
    audit.change(actor=actor, instance=phase, status=Phase.Status.COMPLETE, actual_end=today)
    next_phase = (
        Phase.objects.filter(engagement_id=phase.engagement_id, position__gt=phase.position)
        .order_by("position")
        .first()
    )
    engagement = phase.engagement
    if next_phase is not None:
        audit.change(
            actor=actor, instance=next_phase, status=Phase.Status.ACTIVE, actual_start=today
        )
    if phase.kind == Phase.Kind.CONTROLLED_GO_LIVE:
        audit.change(actor=actor, instance=engagement, status=Engagement.Status.LIVE)
    elif next_phase is None:
        audit.change(actor=actor, instance=engagement, status=Engagement.Status.STABILISED)
    return next_phase


@transaction.atomic
def reschedule_phase(
    *, actor: User, phase: Phase, planned_end: datetime.date, reason: str
) -> list[Phase]:
    """A gate slips (or comes forward): the dates behind it move visibly, never silently.

    The phase's end moves; every later phase and the open milestones in them move by the
    same number of days, and so does the target go-live (with the reviews anchored on it)
    when it lay after the old end. Each moved row is in the audit trail with the reason.
    """
    from milestones.models import Milestone
    from reporting.services import redate_reviews

    phase = Phase.objects.select_for_update().select_related("engagement").get(pk=phase.pk)
    engagement = phase.engagement
    require_pmo(actor=actor, engagement=engagement, doing="reschedule a phase")
    if phase.status == Phase.Status.COMPLETE:
        raise RuleBroken(f"The {phase.get_kind_display()} phase is complete; its dates stay.")
    if not reason.strip():
        raise InvalidInput(
            "Say why the dates move.", errors={"reason": ["Say why the dates move."]}
        )
    if planned_end < phase.planned_start:
        raise InvalidInput(
            "A phase cannot end before it starts.",
            errors={"planned_end": [f"Use {phase.planned_start:%d %b %Y} or later."]},
        )
    shift = planned_end - phase.planned_end
    if not shift:
        return []
    old_end, note = phase.planned_end, f"Rescheduled: {reason.strip()}"
    audit.change(actor=actor, instance=phase, note=note, planned_end=planned_end)
    moved = [phase]
    later = list(
        Phase.objects.filter(engagement=engagement, position__gt=phase.position).order_by(
            "position"
        )
    )
    for later_phase in later:
        audit.change(
            actor=actor,
            instance=later_phase,
            note=note,
            planned_start=later_phase.planned_start + shift,
            planned_end=later_phase.planned_end + shift,
        )
        moved.append(later_phase)
    for milestone in Milestone.objects.filter(phase__in=later).exclude(status__in=Milestone.CLOSED):
        audit.change(
            actor=actor,
            instance=milestone,
            note=note,
            due_date=milestone.due_date + shift,
            version=milestone.version + 1,
        )
    if engagement.target_go_live > old_end:
        audit.change(
            actor=actor,
            instance=engagement,
            note=note,
            target_go_live=engagement.target_go_live + shift,
        )
        if engagement.review_anchor == Engagement.ReviewAnchor.GO_LIVE:
            redate_reviews(actor=actor, engagement=engagement, note=note)
    return moved


HOLDABLE = {Engagement.Status.PLANNING, Engagement.Status.IN_TRANSITION, Engagement.Status.LIVE}


@transaction.atomic
def put_on_hold(*, actor: User, engagement: Engagement) -> Engagement:
    engagement = _locked_for_pmo(
        actor=actor, engagement=engagement, doing="put an engagement on hold"
    )
    if engagement.status not in HOLDABLE:
        raise RuleBroken(
            f"A {engagement.get_status_display().lower()} engagement cannot be put on hold."
        )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.ON_HOLD)
    return engagement


@transaction.atomic
def close_engagement(*, actor: User, engagement: Engagement) -> Engagement:
    """A stabilised (or abandoned, on hold) engagement is closed; nothing changes after."""
    engagement = _locked_for_pmo(actor=actor, engagement=engagement, doing="close an engagement")
    if engagement.status not in {Engagement.Status.STABILISED, Engagement.Status.ON_HOLD}:
        raise RuleBroken(
            "Only a stabilised engagement, or one on hold, can be closed; this one is "
            f"{engagement.get_status_display().lower()}."
        )
    audit.change(actor=actor, instance=engagement, status=Engagement.Status.CLOSED)
    return engagement


@transaction.atomic
def resume(*, actor: User, engagement: Engagement) -> Engagement:
    """Back from hold to where the phases say the engagement is."""
    engagement = _locked_for_pmo(actor=actor, engagement=engagement, doing="resume an engagement")
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


@transaction.atomic
def update_engagement(*, actor: User, engagement: Engagement, **changes: Any) -> Engagement:
    """Edit the engagement's facts; moving its review anchor re-dates the reviews visibly."""
    from reporting.services import redate_reviews

    unknown = set(changes) - EDITABLE_ENGAGEMENT_FIELDS
    if unknown:
        raise InvalidInput(
            f"Cannot change {', '.join(sorted(unknown))} here.",
            errors={field: ["This field cannot be changed here."] for field in sorted(unknown)},
        )
    engagement = _locked_for_pmo(
        actor=actor, engagement=engagement, doing="change the engagement's facts"
    )
    before = audit.snapshot(engagement)
    for field, value in changes.items():
        setattr(engagement, field, value)
    check_fields(engagement)
    engagement.save()
    event = audit.record_updated(actor=actor, instance=engagement, before=before)
    anchor_field = (
        "contract_signed_on"
        if engagement.review_anchor == "contract_signature"
        else "target_go_live"
    )
    if event is not None and anchor_field in event.changes:
        redate_reviews(actor=actor, engagement=engagement)
    return engagement


# --- Members ------------------------------------------------------------------------------


@transaction.atomic
def add_member(
    *,
    actor: User,
    engagement: Engagement,
    user: User,
    side: str,
    role: str = EngagementMember.Role.MEMBER,
) -> EngagementMember:
    require_pmo(actor=actor, engagement=engagement, doing="add people to an engagement")
    if not Membership.objects.filter(user=user, tenant_id=engagement.tenant_id).exists():
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


@transaction.atomic
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


@transaction.atomic
def remove_member(*, actor: User, member: EngagementMember) -> None:
    """A person who still owns open work stays: reassign it first."""
    from milestones.models import Milestone

    require_pmo(actor=actor, engagement=member.engagement, doing="change an engagement's team")
    owned = list(
        Milestone.objects.filter(engagement_id=member.engagement_id, owner=member.user)
        .exclude(status__in=Milestone.CLOSED)
        .values_list("title", flat=True)[:5]
    )
    if owned:
        raise RuleBroken(
            f"{member.user} still owns open milestones: {'; '.join(owned)}. Reassign them first."
        )
    audit.record_deleted(actor=actor, instance=member)
    member.delete()


# --- Tenant playbooks ---------------------------------------------------------------------


@transaction.atomic
def copy_playbook(
    *, actor: User, key: str, new_key: str | None = None, name: str | None = None
) -> Playbook:
    """A tenant's editable copy of a shipped playbook."""
    require_tenant_planner(actor=actor, doing="copy playbooks")
    document = builtin_document(key)
    document["key"] = new_key or key
    document["name"] = name or document["name"]
    parse_definition(document)
    if Playbook.objects.filter(key=document["key"]).exists():
        raise InvalidInput(
            f"This tenant already has a playbook “{document['key']}”.",
            errors={"key": ["A playbook with this key exists."]},
        )
    playbook = Playbook.objects.create(
        key=document["key"], name=document["name"], based_on=key, definition=document
    )
    audit.record_created(actor=actor, instance=playbook)
    return playbook


@transaction.atomic
def update_playbook(*, actor: User, playbook: Playbook, definition: dict) -> Playbook:
    """Replace a tenant playbook's plan; an invalid plan is refused whole."""
    require_tenant_planner(actor=actor, doing="edit playbooks")
    parsed = parse_definition({**definition, "key": playbook.key})
    before = audit.snapshot(playbook)
    playbook.definition = {**definition, "key": playbook.key}
    playbook.name = parsed.name
    playbook.save()
    audit.record_updated(actor=actor, instance=playbook, before=before)
    return playbook
