"""Register rows for tests that need them, made through the services as a user would."""

from __future__ import annotations

from engagements.models import EngagementMember
from registers.escalation import add_escalation_level
from registers.models import EscalationLevel

LEVELS = (
    ("Team leads", 4),
    ("Operations managers", 24),
    ("Executive sponsors", 72),
)


def contact_on(engagement, side: str):
    """The person seated on ``side`` of the engagement, its lead first."""
    seat = (
        EngagementMember.objects.filter(engagement=engagement, side=side)
        .select_related("user")
        .order_by("role", "id")  # "lead" sorts before "member"
        .first()
    )
    return seat.user


def agree_escalation_path(world, *, levels: int = 2, engagement=None) -> list[EscalationLevel]:
    """An escalation path of ``levels`` levels, added by the PMO, with the client side's and
    the provider side's leads (the world's client and provider leads) at every level."""
    engagement = engagement or world.engagement
    client, provider = contact_on(engagement, "client"), contact_on(engagement, "provider")
    return [
        add_escalation_level(
            actor=world.pmo,
            engagement=engagement,
            name=name,
            client_contact=client,
            provider_contact=provider,
            response_hours=hours,
        )
        for name, hours in LEVELS[:levels]
    ]
