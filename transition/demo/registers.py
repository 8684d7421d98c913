"""The contact-centre launch's RAID register and exception log."""

from __future__ import annotations

import datetime

from accounts.models import User
from engagements.models import Engagement
from milestones.models import Milestone


def add_demo_registers(*, users: dict[str, User]) -> None:
    """The contact-centre launch's RAID register and exception log, so the registers have
    something to show (once only)."""
    from registers.models import RaidItem
    from registers.services import create_raid_item

    engagement = Engagement.objects.filter(name="Contact centre launch").first()
    if engagement is None or RaidItem.objects.filter(engagement=engagement).exists():
        return
    pmo, client, provider = users["pmo"], users["client.lead"], users["provider.lead"]
    today = engagement.today()

    def due(days: int) -> datetime.date:
        return today + datetime.timedelta(days=days)

    def milestone(phase_kind: str) -> list[Milestone]:
        first = Milestone.objects.filter(engagement=engagement, phase__kind=phase_kind).first()
        return [first] if first is not None else []

    items = [
        dict(
            kind="risk",
            title="Agents not certified before controlled go-live",
            owner=provider,
            due_date=due(12),
            probability=3,
            impact=5,
            response="Book a second trainer; certify in two cohorts.",
            milestones=milestone("controlled_go_live"),
        ),
        dict(
            kind="risk",
            title="Access approvals slower than planned",
            owner=client,
            due_date=due(5),
            probability=4,
            impact=4,
            response="Provision in batches of ten; daily check with our IT security contact.",
            milestones=milestone("access"),
        ),
        dict(
            kind="risk",
            title="Reporting feed not tested with real data",
            owner=provider,
            due_date=due(20),
            probability=2,
            impact=3,
        ),
        dict(
            kind="assumption",
            title="Client supplies call recordings for training by day 10",
            owner=client,
            due_date=due(8),
        ),
        dict(
            kind="action",
            title="Send the seating plan and badge list",
            owner=client,
            due_date=due(-1),
        ),
        dict(
            kind="issue",
            title="Test environment logins expire after 24 hours",
            owner=client,
            due_date=due(3),
            status="in_progress",
            response="IT to extend the test accounts to 30 days.",
        ),
        dict(
            kind="decision",
            title="Record calls from day one of controlled go-live",
            owner=pmo,
            due_date=due(6),
            description="Both sides want recordings for calibration at the day-14 review.",
        ),
        dict(
            kind="exception",
            title="Refund requested without a receipt",
            owner=client,
            due_date=due(2),
            status="closed",
            description="Customers ask for a refund but cannot show a receipt.",
            handling="Some agents refuse outright; others refund any amount on trust.",
            decision_rule="Refund up to 20 EUR on trust and log it; above that, ask for a "
            "bank statement or escalate to the team lead.",
            agreed_by=[client, provider],
        ),
    ]
    for item in items:
        create_raid_item(actor=pmo, engagement=engagement, **item)
