"""Something of every searchable kind, carrying a chosen word, in one engagement."""

from __future__ import annotations

import datetime

from engagements.models import Engagement
from governance.models import GateCriterion
from kernel.tenancy import tenant_context
from milestones.models import Milestone, MilestoneComment
from registers.models import RaidItem
from reporting.models import Kpi
from roster import services as roster
from tests.world import World

KINDS = (
    "engagement",
    "milestone",
    "milestone_comment",
    "raid_item",
    "kpi",
    "gate_criterion",
    "roster_person",
)


def plant(world: World, word: str, engagement: Engagement | None = None) -> dict[str, object]:
    """One object of every kind in ``engagement`` (the world's) whose text holds ``word``."""
    engagement = engagement or world.engagement
    planted = {}
    with tenant_context(world.tenant):
        Engagement.objects.filter(pk=engagement.pk).update(name=f"{engagement.name} {word}")
        planted["engagement"] = engagement
        milestones = Milestone.objects.filter(engagement=engagement).order_by("due_date", "id")
        milestone = milestones.first()
        Milestone.objects.filter(pk=milestone.pk).update(
            description=f"Walk the floor before the {word} review"
        )
        planted["milestone"] = milestone
        other = milestones.exclude(pk=milestone.pk).first()
        planted["milestone_comment"] = MilestoneComment.objects.create(
            tenant=world.tenant,
            milestone=other,
            author=world.pmo,
            body=f"The vendor said {word} twice on the call",
        )
        planted["raid_item"] = RaidItem.objects.create(
            tenant=world.tenant,
            engagement=engagement,
            kind="risk",
            title=f"Badge printer may be late ({word})",
            owner=world.pmo,
            due_date=datetime.date(2026, 2, 1),
            status="open",
        )
        kpi = Kpi.objects.filter(engagement=engagement).order_by("key").first()
        Kpi.objects.filter(pk=kpi.pk).update(name=f"{kpi.name} {word}")
        planted["kpi"] = kpi
        criterion = GateCriterion.objects.filter(gate__engagement=engagement).order_by("id").first()
        GateCriterion.objects.filter(pk=criterion.pk).update(text=f"{criterion.text} {word}")
        planted["gate_criterion"] = criterion
        wave = roster.save_wave(
            actor=world.pmo,
            engagement=engagement,
            number=9,
            start_date=datetime.date(2026, 2, 2),
        )
        planted["roster_person"] = roster.add_person(
            actor=world.pmo,
            engagement=engagement,
            name=f"Rosa {word.capitalize()}",
            email=f"rosa.{engagement.pk}@example.com",
            role="agent",
            wave=wave.number,
            start_date=wave.start_date,
            external_id=f"HR-{word[:8]}-{engagement.pk}",
        )
    return planted
