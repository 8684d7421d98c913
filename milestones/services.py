"""Writes and rules for milestones: named owners, dependencies, evidence, versions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from bpo_transition.errors import (
    InvalidInput,
    ItemsOpen,
    RuleBroken,
    StaleVersion,
    check_fields,
    found,
)
from bpo_transition.text import required
from engagements.models import Engagement, Phase
from engagements.permissions import is_seated, require_editor
from milestones.models import Milestone, MilestoneDependency

EDITABLE_FIELDS = {
    "title",
    "description",
    "owner",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_link",
    "evidence_required",
    "external_id",
    "phase",
}


def _check_owner(*, engagement: Engagement, owner: User | None) -> None:
    if owner is None:
        raise InvalidInput(
            "Every milestone needs a named owner.",
            errors={"owner": ["Name the person who owns this milestone."]},
        )
    if not is_seated(user=owner, engagement=engagement):
        raise InvalidInput(
            f"{owner} is not a member of this engagement.",
            errors={"owner": ["The owner must be a member of the engagement."]},
        )


def _check_phase(*, engagement: Engagement, phase: Phase) -> None:
    if phase.engagement_id != engagement.pk:
        raise InvalidInput(
            "The phase belongs to another engagement.",
            errors={"phase": ["Choose a phase of this engagement."]},
        )
    if phase.status == Phase.Status.COMPLETE:
        raise RuleBroken(
            f"The {phase.get_kind_display()} phase is complete: its gate was "
            "approved, so its milestones can no longer change."
        )


def _clean_external_id(external_id: str | None) -> str | None:
    """A blank external id is no external id (and never clashes with another blank)."""
    return (external_id or "").strip() or None


def _check_external_id(*, external_id: str | None, milestone_pk: int | None) -> None:
    if external_id is None:
        return
    clash = Milestone.objects.filter(external_id=external_id).exclude(pk=milestone_pk)
    if clash.exists():
        raise InvalidInput(
            f"External id “{external_id}” is already used in this tenant.",
            errors={"external_id": ["Already used by another milestone."]},
        )


def _check_dependencies(*, milestone: Milestone, depends_on: Iterable[Milestone]) -> None:
    depends_on = list(depends_on)
    foreign = [d.title for d in depends_on if d.engagement_id != milestone.engagement_id]
    if foreign:
        raise InvalidInput(
            "A milestone can depend only on milestones of its own engagement.",
            errors={"depends_on": [f"“{title}” is in another engagement." for title in foreign]},
        )
    later = [d.title for d in depends_on if d.phase.position > milestone.phase.position]
    if later:
        raise InvalidInput(
            "A milestone can depend only on milestones of its own phase or an earlier one.",
            errors={
                "depends_on": [
                    f"“{title}” is in a later phase than {milestone.phase}." for title in later
                ]
            },
        )
    if any(d.pk == milestone.pk for d in depends_on):
        raise InvalidInput(
            "A milestone cannot depend on itself.",
            errors={"depends_on": ["A milestone cannot depend on itself."]},
        )
    # Walk the engagement's dependency graph once: a path back to this milestone is a cycle.
    edges: dict[int, list[int]] = {}
    for source, target in (
        MilestoneDependency.objects.filter(milestone__engagement_id=milestone.engagement_id)
        .exclude(milestone_id=milestone.pk)
        .values_list("milestone_id", "depends_on_id")
    ):
        edges.setdefault(source, []).append(target)
    stack, seen = [d.pk for d in depends_on], set()
    while stack:
        node = stack.pop()
        if node == milestone.pk:
            raise InvalidInput(
                "These dependencies would form a cycle.",
                errors={"depends_on": ["This would make the plan circular."]},
            )
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))


def _check_can_be_done(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    _check_evidence(milestone=milestone)
    waiting = [d for d in depends_on if d.is_open]
    if waiting:
        raise ItemsOpen(
            f"“{milestone.title}” cannot be done before its dependencies",
            items=[f"{d.title} ({d.get_status_display().lower()})" for d in waiting],
        )


def _check_evidence(*, milestone: Milestone) -> None:
    if milestone.evidence_required and not milestone.has_evidence:
        raise InvalidInput(
            f"“{milestone.title}” needs evidence before it can be done.",
            errors={
                "evidence": ["Add the evidence text or link that proves this milestone is done."]
            },
        )


def _set_dependencies(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    MilestoneDependency.objects.filter(milestone=milestone).delete()
    MilestoneDependency.objects.bulk_create(
        [
            MilestoneDependency(tenant_id=milestone.tenant_id, milestone=milestone, depends_on=d)
            for d in depends_on
        ]
    )
    remember_dependencies(milestone=milestone, depends_on=depends_on)


def remember_dependencies(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    """The audit snapshot reads the dependencies from here instead of querying them again."""
    milestone._audit_values = {"depends_on": sorted(str(d.public_id) for d in depends_on)}


def _done_dependents(*, milestone: Milestone) -> list[str]:
    return list(
        Milestone.objects.filter(
            pk__in=MilestoneDependency.objects.filter(depends_on=milestone).values("milestone_id"),
            status=Milestone.Status.DONE,
        )
        .order_by("due_date", "id")
        .values_list("title", flat=True)
    )


@operation("milestone.created", tenant_of="engagement")
def create_milestone(
    *,
    actor: User,
    engagement: Engagement,
    phase: Phase,
    title: str,
    owner: User | None,
    side: str,
    due_date: datetime.date,
    description: str = "",
    evidence_required: bool = False,
    external_id: str | None = None,
    depends_on: Iterable[Milestone] = (),
) -> Milestone:
    require_editor(actor=actor, engagement=engagement)
    title = required(title, field="title", message="Give the milestone a title.")
    external_id = _clean_external_id(external_id)
    _check_phase(engagement=engagement, phase=phase)
    _check_owner(engagement=engagement, owner=owner)
    _check_external_id(external_id=external_id, milestone_pk=None)
    milestone = Milestone(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        phase=phase,
        title=title,
        description=description.strip(),
        owner=owner,
        side=side,
        due_date=due_date,
        evidence_required=evidence_required,
        external_id=external_id,
    )
    check_fields(milestone)
    milestone.save()
    depends_on = list(depends_on)
    if depends_on:
        _check_dependencies(milestone=milestone, depends_on=depends_on)
        _set_dependencies(milestone=milestone, depends_on=depends_on)
    else:
        remember_dependencies(milestone=milestone, depends_on=[])
    audit.record_created(actor=actor, instance=milestone)
    return milestone


@operation("milestone.updated", tenant_of="milestone")
def update_milestone(
    *,
    actor: User,
    milestone: Milestone,
    expected_version: int | None = None,
    depends_on: Iterable[Milestone] | None = None,
    **changes: Any,
) -> Milestone:
    """Change a milestone; every change bumps its version and lands in the audit trail.

    Reopening a done milestone is refused while milestones that depend on it are done (they
    are named): reopen those first.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
            errors={field: ["Unknown field."] for field in sorted(unknown)},
        )
    if "title" in changes:
        changes["title"] = required(
            changes["title"], field="title", message="Give the milestone a title."
        )
    milestone = found(
        Milestone.objects.select_for_update(of=("self",)).select_related(
            "engagement", "phase", "owner", "completed_by"
        ),
        "No such milestone.",
        pk=milestone.pk,
    )
    engagement = milestone.engagement
    require_editor(actor=actor, engagement=engagement)
    if expected_version is not None and expected_version != milestone.version:
        raise StaleVersion(
            f"“{milestone.title}” was changed by someone else (version "
            f"{milestone.version}, you edited {expected_version}). Reload it."
        )
    if milestone.phase.status == Phase.Status.COMPLETE:
        if milestone.status == Milestone.Status.DONE and changes.get("status", "done") != "done":
            raise RuleBroken(
                f"“{milestone.title}” cannot be reopened: the "
                f"{milestone.phase.get_kind_display()} gate was approved."
            )
        _check_phase(engagement=engagement, phase=milestone.phase)

    current_dependencies = list(milestone.depends_on.select_related("phase"))
    remember_dependencies(milestone=milestone, depends_on=current_dependencies)
    before = audit.snapshot(milestone)
    was_done = milestone.status == Milestone.Status.DONE
    for field, value in changes.items():
        setattr(milestone, field, value)
    if "phase" in changes:
        _check_phase(engagement=engagement, phase=milestone.phase)
    if "owner" in changes:
        _check_owner(engagement=engagement, owner=milestone.owner)
    if "external_id" in changes:
        milestone.external_id = _clean_external_id(milestone.external_id)
        _check_external_id(external_id=milestone.external_id, milestone_pk=milestone.pk)
    if depends_on is not None:
        depends_on = list(depends_on)
        _check_dependencies(milestone=milestone, depends_on=depends_on)
        if {d.pk for d in depends_on} != {d.pk for d in current_dependencies}:
            _set_dependencies(milestone=milestone, depends_on=depends_on)
        current_dependencies = depends_on
    elif "phase" in changes:
        _check_dependencies(milestone=milestone, depends_on=current_dependencies)

    if milestone.status == Milestone.Status.DONE and not was_done:
        _check_can_be_done(milestone=milestone, depends_on=current_dependencies)
        milestone.completed_at, milestone.completed_by = timezone.now(), actor
    elif milestone.status == Milestone.Status.DONE:
        _check_evidence(milestone=milestone)  # a done milestone keeps its proof
    elif was_done:
        if done_dependents := _done_dependents(milestone=milestone):
            raise ItemsOpen(
                f"“{milestone.title}” cannot be reopened while milestones that depend on it "
                "are done; reopen them first",
                items=done_dependents,
            )
        milestone.completed_at, milestone.completed_by = None, None

    # The engagement, phase and people were loaded or checked above; external_id's
    # uniqueness is checked above and guarded by the constraint below.
    check_fields(
        milestone,
        validate_unique=False,
        checked=("engagement", "phase", "owner", "completed_by"),
    )
    if audit.snapshot(milestone) == before:
        return milestone  # nothing changed: same version, no event (an idempotent PUT)
    milestone.version += 1
    try:
        with transaction.atomic():
            milestone.save()
    except IntegrityError as clash:
        raise InvalidInput(
            "External id is already used in this tenant.",
            errors={"external_id": ["Already used by another milestone."]},
        ) from clash
    audit.record_updated(actor=actor, instance=milestone, before=before)
    return milestone


@operation("milestone.deleted", tenant_of="milestone")
def delete_milestone(*, actor: User, milestone: Milestone) -> None:
    milestone = found(
        Milestone.objects.select_for_update(of=("self",)).select_related("engagement", "phase"),
        "No such milestone.",
        pk=milestone.pk,
    )
    require_editor(actor=actor, engagement=milestone.engagement)
    _check_phase(engagement=milestone.engagement, phase=milestone.phase)
    dependents = list(milestone.dependents.values_list("title", flat=True)[:5])
    if dependents:
        raise ItemsOpen(
            f"“{milestone.title}” cannot be deleted while other milestones depend on it",
            items=dependents,
        )
    audit.record_deleted(actor=actor, instance=milestone)
    milestone.delete()
