"""The roster's automatic gate criteria: wave 1 has its access before the access gate ends,
and is certified before the controlled go-live gate ends. Nobody ticks them."""

from __future__ import annotations

from django.urls import reverse

from kernel.criteria import GateCriterionSource
from kernel.registry import gate_criteria
from roster.selectors import gate_open_items


def _roster_link(engagement) -> str:
    return reverse("roster:roster", kwargs={"engagement_id": engagement.public_id})


gate_criteria.register(
    "roster.wave_provisioned",
    GateCriterionSource(
        key="roster.wave_provisioned",
        label="Every person of wave 1 provisioned and verified on every required system",
        open_items=lambda *, engagement, phase_kind: gate_open_items(
            engagement=engagement, phase_kind=phase_kind, check="access"
        ),
        link=_roster_link,
    ),
)
gate_criteria.register(
    "roster.wave_certified",
    GateCriterionSource(
        key="roster.wave_certified",
        label="Every person of wave 1 certified",
        open_items=lambda *, engagement, phase_kind: gate_open_items(
            engagement=engagement, phase_kind=phase_kind, check="certification"
        ),
        link=_roster_link,
    ),
)
