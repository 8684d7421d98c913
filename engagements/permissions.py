"""Who may do what: the one set of predicates that services, views and templates all ask.

A service refuses with ``require(...)`` when a predicate says no; a view or template asks the
same predicate to decide whether to show the action, so a button and the rule behind it
cannot disagree. Objects from other apps (milestones, gates, reviews) are taken as they come:
only their engagement (and a gate's side) matter here, so this module imports no app above
``engagements``.

Predicates answer for the tenant of the object asked about, never the merely active one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import Membership, User
from accounts.permissions import (
    PLANNER_ROLES,
    can_plan,
    is_tenant_admin,
    require_second_factor,
    sees_every_engagement,
    tenant_role,
)
from engagements.models import Engagement, EngagementMember
from kernel.errors import InvalidInput, NotAllowed, NotFound


def require(allowed: bool, message: str) -> None:
    """Refuse with ``message`` unless ``allowed``."""
    if not allowed:
        raise NotAllowed(message)


# --- Seats on an engagement ------------------------------------------------------------------


def seat_of(*, user: User, engagement: Engagement) -> EngagementMember | None:
    """The user's seat on the engagement, cached on the engagement for the request."""
    if user is None or not user.is_authenticated:
        return None
    cache = engagement.__dict__.setdefault("_seat_cache", {})
    if user.pk not in cache:
        cache[user.pk] = (
            EngagementMember.objects.filter(engagement=engagement, user=user)
            .only("id", "side", "role", "user_id", "engagement_id")
            .first()
        )
    return cache[user.pk]


def is_seated(*, user: User, engagement: Engagement) -> bool:
    return seat_of(user=user, engagement=engagement) is not None


def check_member(
    *,
    engagement: Engagement,
    user: User | None,
    field: str = "owner",
    what: str = "owner",
    missing: str | None = None,
) -> None:
    """The rule "the person named is a member of the engagement" (an owner, an action owner,
    an assessor): refused as bad input naming ``field``, or ``missing`` when nobody is named."""
    if user is None:
        message = missing or f"Name the {what}."
        raise InvalidInput(message, errors={field: [f"Name the {what}."]})
    if not is_seated(user=user, engagement=engagement):
        raise InvalidInput(
            f"{user} is not a member of this engagement.",
            errors={field: [f"The {what} must be a member of the engagement."]},
        )


def is_side_lead(*, user: User, engagement: Engagement, sides: Iterable[str] | None = None) -> bool:
    """The rule "lead of a side": seated as the lead of one of ``sides`` (of any side when
    ``sides`` is None). Leads attest gates for their side."""
    seat = seat_of(user=user, engagement=engagement)
    return (
        seat is not None
        and seat.role == EngagementMember.Role.LEAD
        and (sides is None or seat.side in sides)
    )


def is_pmo(*, user: User, engagement: Engagement) -> bool:
    """PMO of the tenant, or seated on the engagement's PMO side (not as a viewer)."""
    if tenant_role(user=user, tenant_id=engagement.tenant_id) == Membership.Role.PMO:
        return True
    seat = seat_of(user=user, engagement=engagement)
    return (
        seat is not None
        and seat.side == EngagementMember.Side.PMO
        and seat.role != EngagementMember.Role.VIEWER
    )


def can_edit(*, user: User, engagement: Engagement) -> bool:
    """Tenant admins and PMO, and every seated member who is not a viewer."""
    if tenant_role(user=user, tenant_id=engagement.tenant_id) in PLANNER_ROLES:
        return True
    seat = seat_of(user=user, engagement=engagement)
    return seat is not None and seat.role != EngagementMember.Role.VIEWER


def can_see(*, user: User, engagement: Engagement) -> bool:
    """Admins and PMO see every engagement of their tenant; everybody else their own."""
    return sees_every_engagement(user=user, tenant_id=engagement.tenant_id) or is_seated(
        user=user, engagement=engagement
    )


def can_manage_engagement(*, user: User, engagement: Engagement) -> bool:
    """Members and their seats, hold/resume/close, rescheduling, KPI definitions: PMO."""
    return is_pmo(user=user, engagement=engagement)


# --- Objects of the apps above ----------------------------------------------------------------


def can_edit_milestone(*, user: User, milestone: Any) -> bool:
    return can_edit(user=user, engagement=milestone.engagement)


def can_comment(*, user: User, engagement: Engagement) -> bool:
    return can_edit(user=user, engagement=engagement)


def can_mark_criterion(*, user: User, gate: Any) -> bool:
    return can_edit(user=user, engagement=gate.engagement)


def can_waive_criterion(*, user: User, gate: Any) -> bool:
    return is_pmo(user=user, engagement=gate.engagement)


def can_attest(*, user: User, gate: Any, side: str) -> bool:
    """Only the lead of a side attests for that side."""
    return is_side_lead(user=user, engagement=gate.engagement, sides=(side,))


def can_request_decision(*, user: User, gate: Any) -> bool:
    return can_edit(user=user, engagement=gate.engagement)


def can_decide_gate(*, user: User, gate: Any) -> bool:
    """Approve or reject: PMO only."""
    return is_pmo(user=user, engagement=gate.engagement)


can_approve_gate = can_decide_gate


def can_work_on_review(*, user: User, review: Any) -> bool:
    """Enter measurements, explain misses, answer the day-90 questions."""
    return can_edit(user=user, engagement=review.engagement)


def can_publish_review(*, user: User, review: Any) -> bool:
    return is_pmo(user=user, engagement=review.engagement)


# --- Refusals the services share ------------------------------------------------------------


def require_visible(*, actor: User, engagement: Engagement) -> None:
    """An engagement the actor cannot see does not exist for them: 404, never 403."""
    if not can_see(user=actor, engagement=engagement):
        raise NotFound("No such engagement.")


def require_member_of_tenant(*, actor: User, tenant_id: int) -> None:
    if tenant_role(user=actor, tenant_id=tenant_id) is None and not (
        actor is not None and actor.is_authenticated and actor.is_superuser
    ):
        raise NotFound("No such tenant.")


def require_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit(user=actor, engagement=engagement),
        "Only members of this engagement who are not viewers can change it.",
    )


def require_pmo(*, actor: User, engagement: Engagement, doing: str) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(is_pmo(user=actor, engagement=engagement), f"Only PMO can {doing}.")


def require_signing_off(*, actor: User, engagement: Engagement, doing: str) -> None:
    """PMO signs off (approves a gate, publishes a review) only with a second factor where the
    tenant requires one."""
    require_pmo(actor=actor, engagement=engagement, doing=doing)
    require_second_factor(actor=actor, tenant_id=engagement.tenant_id, doing=doing)


def require_planner(*, actor: User, tenant_id: int, doing: str) -> None:
    require_member_of_tenant(actor=actor, tenant_id=tenant_id)
    require(can_plan(user=actor, tenant_id=tenant_id), f"Only tenant admins and PMO can {doing}.")


def require_tenant_admin(*, actor: User, tenant_id: int, doing: str) -> None:
    require_member_of_tenant(actor=actor, tenant_id=tenant_id)
    require(
        is_tenant_admin(user=actor, tenant_id=tenant_id), f"Only the tenant's admins can {doing}."
    )


# --- Registers: RAID, exception log, escalation path, decision rights -----------------------


def can_edit_raid(*, user: User, engagement: Engagement) -> bool:
    """Add, change and close RAID items and exceptions: every editor of the engagement."""
    return can_edit(user=user, engagement=engagement)


def is_pmo_or_lead(*, user: User, engagement: Engagement) -> bool:
    """PMO, or seated as the lead of a side."""
    return is_pmo(user=user, engagement=engagement) or is_side_lead(
        user=user, engagement=engagement
    )


def can_edit_escalation_path(*, user: User, engagement: Engagement) -> bool:
    """The escalation levels and their contacts: PMO and the leads; others read."""
    return is_pmo_or_lead(user=user, engagement=engagement)


def can_edit_decision_rights(*, user: User, engagement: Engagement) -> bool:
    """Who approves what: PMO and the leads; others read."""
    return is_pmo_or_lead(user=user, engagement=engagement)


# --- The readiness roster --------------------------------------------------------------------


def _on_side(*, user: User, engagement: Engagement, side: str) -> bool:
    """Seated on ``side`` as somebody who works (not a viewer), or PMO."""
    if is_pmo(user=user, engagement=engagement):
        return True
    seat = seat_of(user=user, engagement=engagement)
    return seat is not None and seat.side == side and seat.role != EngagementMember.Role.VIEWER


def can_edit_roster(*, user: User, engagement: Engagement) -> bool:
    """People, waves, training results, certifications, access requests: the provider's
    track (the provider staffs and trains), and PMO."""
    return _on_side(user=user, engagement=engagement, side=EngagementMember.Side.PROVIDER)


def can_approve_access(*, user: User, engagement: Engagement) -> bool:
    """Approve or refuse access to the client's systems: the client's track, and PMO."""
    return _on_side(user=user, engagement=engagement, side=EngagementMember.Side.CLIENT)


def can_provision_access(*, user: User, engagement: Engagement) -> bool:
    """Provision and verify approved access: the provider's track, and PMO."""
    return _on_side(user=user, engagement=engagement, side=EngagementMember.Side.PROVIDER)


def can_erase_person(*, user: User, engagement: Engagement) -> bool:
    """Erase a roster person's name and e-mail on request: PMO."""
    return is_pmo(user=user, engagement=engagement)
