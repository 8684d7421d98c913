"""Two rules every write to a milestone answers to, whichever part of it changes: its phase
still takes work (its gate is not approved), and a done milestone has proof."""

from __future__ import annotations

from engagements.models import Engagement, Phase
from engagements.services import lock_phase_for_work
from kernel.errors import InvalidInput, RuleBroken
from milestones.models import EvidenceFile, Milestone


def check_phase(*, engagement: Engagement, phase: Phase) -> Phase:
    """The phase, locked against its gate's approval (see ``lock_phase_for_work``), once it is
    known to be one of this engagement's that still takes work."""
    if phase.engagement_id != engagement.pk:
        raise InvalidInput(
            "The phase belongs to another engagement.",
            errors={"phase": ["Choose a phase of this engagement."]},
        )
    locked = lock_phase_for_work(phase=phase)
    phase.status = locked.status
    check_takes_work(phase=phase)
    return phase


def check_takes_work(*, phase: Phase) -> None:
    """The rule of ``check_phase`` on a phase whose status is already known (locked by the
    caller): a complete phase's milestones no longer change."""
    if phase.status == Phase.Status.COMPLETE:
        raise RuleBroken(
            f"The {phase.get_kind_display()} phase is complete: its gate was "
            "approved, so its milestones can no longer change."
        )


def has_proof(*, milestone: Milestone) -> bool:
    """What proves a milestone done: its evidence text, its evidence link or an attached
    file (any one of them). Pages, the API and bulk updates all ask this one rule."""
    if milestone.has_evidence:
        return True
    known = getattr(milestone, "has_files", None)  # selectors of lists annotate it
    if known is not None:
        return known
    return EvidenceFile.objects.filter(milestone_id=milestone.pk).exists()


def check_evidence(*, milestone: Milestone) -> None:
    if milestone.evidence_required and not has_proof(milestone=milestone):
        raise InvalidInput(
            f"“{milestone.title}” needs evidence before it can be done.",
            errors={
                "evidence": [
                    "Add the evidence text or link, or attach a file, that proves this "
                    "milestone is done."
                ]
            },
        )
