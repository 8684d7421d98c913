"""Routes of the registers (RAID register, escalation path, decision rights)."""

from __future__ import annotations

import datetime

from engagements.models import EngagementMember
from milestones.models import Milestone
from registers.decision_rights import create_decision_right
from registers.escalation import add_escalation_level
from registers.models import DecisionRight, EscalationLevel, RaidItem
from registers.services import create_raid_item
from tests.routes import populates, route

DUE = datetime.date(2026, 2, 2)


def _base(world) -> str:
    return f"/engagements/{world.engagement.public_id}/raid/"


def _item(world) -> RaidItem:
    """The engagement's first item; one is added (by its PMO) when it has none yet, so that
    the walk asks for a real object of every engagement it is given."""
    item = RaidItem.objects.filter(engagement=world.engagement).order_by("pk").first()
    return item or create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind="issue",
        title="Route walk issue",
        owner=world.pmo,
        due_date=DUE,
    )


def _seated(world, side: str):
    seat = EngagementMember.objects.filter(engagement=world.engagement, side=side).first()
    return seat.user


def _level(world) -> EscalationLevel:
    level = EscalationLevel.objects.filter(engagement=world.engagement).order_by("level").first()
    return level or add_escalation_level(
        actor=world.pmo,
        engagement=world.engagement,
        name="Team leads",
        client_contact=_seated(world, "client"),
        provider_contact=_seated(world, "provider"),
        response_hours=4,
    )


def _right(world) -> DecisionRight:
    right = DecisionRight.objects.filter(engagement=world.engagement).order_by("pk").first()
    return right or create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Route walk", approver_side="pmo"
    )


@route("registers:list", engagement_scoped=True)
def raid_list(world):
    return _base(world)


@route("registers:create", engagement_scoped=True)
def raid_create(world):
    return f"{_base(world)}new/?kind=risk"


@route("registers:item", engagement_scoped=True)
def raid_item(world):
    return f"{_base(world)}{_item(world).public_id}/"


@route("registers:row", engagement_scoped=True)
def raid_row(world):
    return f"{_base(world)}{_item(world).public_id}/row/"


@route("registers:inline", engagement_scoped=True)
def raid_inline(world):
    return f"{_base(world)}{_item(world).public_id}/quick-edit/"


@route("registers:close", engagement_scoped=True, method="post")
def raid_close(world):
    return f"{_base(world)}{_item(world).public_id}/close/"


@route("registers:escalation", engagement_scoped=True)
def escalation(world):
    return f"{_base(world)}escalation/"


# A tenant admin reads the escalation path and the decision rights; PMO and the leads edit.
@route("registers:level-create", engagement_scoped=True, status=403)
def level_create(world):
    return f"{_base(world)}escalation/levels/new/"


@route("registers:level-edit", engagement_scoped=True, status=403)
def level_edit(world):
    return f"{_base(world)}escalation/levels/{_level(world).public_id}/"


@route("registers:level-remove", engagement_scoped=True, method="post")
def level_remove(world):
    return f"{_base(world)}escalation/levels/{_level(world).public_id}/remove/"


@route("registers:right-create", engagement_scoped=True, status=403)
def right_create(world):
    return f"{_base(world)}decision-rights/new/"


@route("registers:right-edit", engagement_scoped=True, status=403)
def right_edit(world):
    return f"{_base(world)}decision-rights/{_right(world).public_id}/"


@route("registers:right-remove", engagement_scoped=True, method="post")
def right_remove(world):
    return f"{_base(world)}decision-rights/{_right(world).public_id}/remove/"


@populates
def add_register_rows(world):
    """One item of every kind, a two-level escalation path and a decision right."""
    engagement, pmo = world.engagement, world.pmo
    common = {"actor": pmo, "engagement": engagement, "due_date": DUE}
    create_raid_item(
        kind="risk",
        title="Agents not certified in time",
        owner=world.provider_lead,
        probability=3,
        impact=4,
        milestones=[Milestone.objects.filter(engagement=engagement).order_by("pk").first()],
        **common,
    )
    for kind in ("assumption", "action", "issue", "decision"):
        create_raid_item(kind=kind, title=f"A walk {kind}", owner=world.client_lead, **common)
    create_raid_item(
        kind="exception",
        title="Refund without a receipt",
        description="Customers ask for a refund without a receipt.",
        handling="Some agents refuse, others refund on trust.",
        decision_rule="Refund up to 20 EUR on trust; above, ask for proof.",
        agreed_by=[world.client_lead, world.provider_lead],
        status="closed",
        owner=world.client_lead,
        **common,
    )
    for name, hours in (("Team leads", 4), ("Operations managers", 24)):
        add_escalation_level(
            actor=pmo,
            engagement=engagement,
            name=name,
            client_contact=world.client_lead,
            provider_contact=world.provider_lead,
            response_hours=hours,
        )
    create_decision_right(
        actor=pmo,
        engagement=engagement,
        area="Scope changes",
        approver_side="client",
        consulted="Provider lead",
        informed="PMO",
    )


@route("api:raid-item-detail", engagement_scoped=True)
def api_raid_item(world):
    return f"/api/v1/raid-items/{_item(world).public_id}/"
