"""The milestone app's part of work that spans apps: bulk builds and bulk moves, called by
``transition.services`` inside its transaction (no permission checks here: the caller made
them)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.utils import timezone

from accounts.models import User
from audit import services as audit
from engagements.models import Engagement, Phase
from engagements.plan import day, moved
from engagements.playbooks import PlaybookDefinition
from milestones.dependencies import remember_dependencies
from milestones.models import Milestone, MilestoneDependency


def build_milestones_from_playbook(
    *,
    engagement: Engagement,
    phases: list[Phase],
    playbook: PlaybookDefinition,
    owners: Mapping[str, User],
) -> list[Milestone]:
    """Every milestone of the plan and its dependencies, in two inserts (no events)."""
    phase_by_kind = {phase.kind: phase for phase in phases}
    milestones = Milestone.objects.bulk_create(
        [
            Milestone(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                phase=phase_by_kind[phase.kind],
                title=item.title,
                description=item.description,
                owner=owners[item.owner_role],
                side=item.side,
                due_date=day(engagement.contract_signed_on, item.due_day),
                evidence_required=item.evidence_required,
                playbook_key=item.key,
                external_id=item.external_id,
            )
            for phase in playbook.phases
            for item in phase.milestones
        ]
    )
    by_key = {milestone.playbook_key: milestone for milestone in milestones}
    dependencies = []
    for phase in playbook.phases:
        for item in phase.milestones:
            milestone = by_key[item.key]
            remember_dependencies(
                milestone=milestone, depends_on=[by_key[key] for key in item.depends_on]
            )
            dependencies += [
                MilestoneDependency(
                    tenant_id=engagement.tenant_id, milestone=milestone, depends_on=by_key[key]
                )
                for key in item.depends_on
            ]
    MilestoneDependency.objects.bulk_create(dependencies)
    return milestones


def shift_open_milestones(
    *, actor: User, phases: list[Phase], days: datetime.timedelta, note: str
) -> int:
    """Open milestones of ``phases`` move by ``days``, each a new version: one update, one
    insert of events, whatever the number of milestones."""
    moving = list(
        Milestone.objects.filter(phase__in=phases)
        .filter(status__in=Milestone.OPEN)
        .select_related("engagement", "phase", "owner", "completed_by")
    )
    if not moving:
        return 0
    # Dependencies do not move; the snapshot reads them from memory.
    dependencies: dict[int, list[str]] = {}
    for milestone_id, public_id in MilestoneDependency.objects.filter(
        milestone__in=moving
    ).values_list("milestone_id", "depends_on__public_id"):
        dependencies.setdefault(milestone_id, []).append(str(public_id))
    befores = []
    for milestone in moving:
        milestone._audit_values = {"depends_on": sorted(dependencies.get(milestone.pk, []))}
        befores.append(audit.snapshot(milestone))
    now = timezone.now()
    for milestone in moving:
        milestone.due_date = moved(milestone.due_date, days)
        milestone.version += 1
        milestone.updated_at = now
    # One UPDATE ... CASE statement (per batch on SQLite's parameter limit).
    Milestone.objects.bulk_update(moving, ["due_date", "version", "updated_at"], batch_size=500)
    return audit.record_many_updated(
        actor=actor, changed=zip(moving, befores, strict=True), note=note
    )
