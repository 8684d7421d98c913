"""The registers' automatic gate criterion: an escalation path before controlled go-live."""

from __future__ import annotations

from django.urls import reverse

from kernel.criteria import GateCriterionSource
from kernel.registry import gate_criteria
from registers.selectors import automatic_criteria_open

gate_criteria.register(
    "registers.escalation_path",
    GateCriterionSource(
        key="registers.escalation_path",
        label="An escalation path with at least two levels before controlled go-live",
        open_items=automatic_criteria_open,
        link=lambda engagement: reverse(
            "registers:escalation", kwargs={"engagement_id": engagement.public_id}
        ),
    ),
)
