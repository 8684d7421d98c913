"""A new engagement before it exists: the playbooks to choose from and the plan they give."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from accounts.models import User
from engagements.models import Engagement, Phase, Playbook
from engagements.plan import day, review_anchor
from engagements.playbooks import PlaybookDefinition, builtin_playbooks, parse_definition
from kernel.errors import NotFound
from milestones.models import Milestone


@dataclass(frozen=True)
class PlaybookChoice:
    value: str
    origin: str
    definition: PlaybookDefinition


def playbook_choices() -> list[PlaybookChoice]:
    """The shipped playbooks and the active tenant's own copies, shipped first.

    A tenant copy may keep its shipped key, so a choice is named by where it comes from too.
    """
    choices = [
        PlaybookChoice(f"shipped:{key}", "Shipped", definition)
        for key, definition in builtin_playbooks().items()
    ]
    for playbook in Playbook.objects.order_by("name", "id"):
        choices.append(
            PlaybookChoice(
                f"tenant:{playbook.public_id}",
                "Your copy",
                parse_definition({**playbook.definition, "key": playbook.key}),
            )
        )
    return choices


@dataclass(frozen=True)
class PlannedMilestone:
    title: str
    owner: User
    side: str
    due: datetime.date


@dataclass(frozen=True)
class PlannedPhase:
    kind: str
    label: str
    start: datetime.date
    end: datetime.date
    milestones: list[PlannedMilestone]
    gate_name: str
    criteria: int
    attestations: list[str]


@dataclass(frozen=True)
class PlannedReview:
    day: int
    title: str
    scheduled_on: datetime.date


@dataclass(frozen=True)
class PlanPreview:
    contract_signed_on: datetime.date
    target_go_live: datetime.date
    review_anchor: str
    phases: list[PlannedPhase]
    reviews: list[PlannedReview]
    kpis: list[str]

    @property
    def milestone_count(self) -> int:
        return sum(len(phase.milestones) for phase in self.phases)


def plan_preview(
    *,
    playbook: PlaybookDefinition,
    contract_signed_on: datetime.date,
    owners: Mapping[str, User],
    target_go_live: datetime.date | None = None,
) -> PlanPreview:
    """The dates and owners ``create_engagement_from_playbook`` would write, computed from the
    definition without writing anything (the same day arithmetic as the builders)."""
    go_live = target_go_live or day(contract_signed_on, playbook.go_live_day)
    anchor = review_anchor(
        engagement=Engagement(
            review_anchor=playbook.review_anchor,
            contract_signed_on=contract_signed_on,
            target_go_live=go_live,
        )
    )
    sides = dict(Milestone.Side.choices)
    phases = [
        PlannedPhase(
            kind=phase.kind,
            label=Phase.Kind(phase.kind).label,
            start=day(contract_signed_on, phase.start_day),
            end=day(contract_signed_on, phase.end_day),
            milestones=[
                PlannedMilestone(
                    title=item.title,
                    owner=owners.get(item.owner_role),
                    side=sides.get(item.side, item.side),
                    due=day(contract_signed_on, item.due_day),
                )
                for item in sorted(phase.milestones, key=lambda item: item.due_day)
            ],
            gate_name=phase.gate.name,
            criteria=len(phase.gate.criteria),
            attestations=[
                side
                for side, required in (
                    ("client lead", phase.gate.client_attestation_required),
                    ("provider lead", phase.gate.provider_attestation_required),
                )
                if required
            ],
        )
        for phase in playbook.phases
    ]
    reviews = [
        PlannedReview(review.day, review.title, anchor.review_on(review.day))
        for review in sorted(playbook.reviews, key=lambda review: review.day)
    ]
    return PlanPreview(
        contract_signed_on=contract_signed_on,
        target_go_live=go_live,
        review_anchor=anchor.sentence,
        phases=phases,
        reviews=reviews,
        kpis=[kpi.name for kpi in playbook.kpis],
    )


# --- Engagement administration --------------------------------------------------------------


def playbook_for_choice(value: str) -> PlaybookDefinition:
    """The definition a ``PlaybookChoice.value`` names: a shipped playbook, or one of the active
    tenant's copies (another tenant's is NotFound)."""
    origin, _sep, key = (value or "").partition(":")
    if origin == "shipped" and key in builtin_playbooks():
        return builtin_playbooks()[key]
    if origin == "tenant":
        try:
            public_id = uuid.UUID(key)
        except ValueError:
            public_id = None
        playbook = Playbook.objects.filter(public_id=public_id).first() if public_id else None
        if playbook is not None:
            return parse_definition({**playbook.definition, "key": playbook.key})
    raise NotFound("No such playbook.")


# --- Tenant members --------------------------------------------------------------------------
