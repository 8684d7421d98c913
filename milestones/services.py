"""Writes and rules for the milestone itself: adding, changing and deleting it, with a named
owner who is a member of the engagement, a due date from day 0, a unique external id and a
version. Its dependencies (``milestones.dependencies``), its proof (``milestones.rules``), its
files (``milestones.evidence``) and its comments (``milestones.comments``) have their own
modules."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import check_member, require_editor
from engagements.services import lock_phase_for_work, lock_phases_for_work
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken, StaleVersion, found
from kernel.text import required
from kernel.validation import a_date, check_fields, no_nul, not_before, only_fields
from milestones.dependencies import (
    check_can_be_done,
    check_can_be_reopened,
    check_dependencies,
    done_dependents,
    remember_dependencies,
    set_dependencies,
)
from milestones.evidence import delete_stored_file_after_commit
from milestones.models import EvidenceFile, Milestone
from milestones.rules import check_evidence, check_phase, check_takes_work

# Everything audited but what the services set themselves (the dependencies travel apart).
EDITABLE_FIELDS = frozenset(Milestone.AUDIT_FIELDS) - {
    "engagement",
    "completed_at",
    "completed_by",
    "depends_on",
    "version",
}


def check_owner(*, engagement: Engagement, owner: User | None) -> None:
    if owner is None:
        raise InvalidInput(
            "Every milestone needs a named owner.",
            errors={"owner": ["Name the person who owns this milestone."]},
        )
    check_member(engagement=engagement, user=owner)


def _clean_external_id(external_id: str | None) -> str | None:
    """A blank external id is no external id (and never clashes with another blank)."""
    no_nul(external_id=external_id)
    return (external_id or "").strip() or None


def check_due_date(*, engagement: Engagement, due_date: object) -> datetime.date:
    """A date, on or after the engagement's day 0 (the contract signature)."""
    due = a_date(due_date, field="due_date", label="The due date")
    not_before(
        due,
        engagement.contract_signed_on,
        field="due_date",
        label="The due date",
        earliest_label="the contract signature date (day 0)",
    )
    return due


class ExternalIdTaken(InvalidInput):
    """Another milestone of the tenant holds this external id; ``existing`` is its public id.
    The refusal names it by title when the actor may see it, else by its public id only."""

    def __init__(self, external_id: str, *, existing: str, title: str | None) -> None:
        named = f"“{title}” ({existing})" if title else existing
        super().__init__(
            f"External id “{external_id}” is already used by milestone {named}.",
            errors={"external_id": [f"Already used by milestone {named}."]},
        )
        self.existing = existing


def _holder_of(
    *, actor: User, external_id: str, milestone_pk: int | None
) -> ExternalIdTaken | None:
    holder = (
        Milestone.objects.filter(external_id=external_id)
        .exclude(pk=milestone_pk)
        .values("pk", "public_id", "title")
        .first()
    )
    if holder is None:
        return None
    visible = Milestone.objects.visible_to(actor).filter(pk=holder["pk"]).exists()
    return ExternalIdTaken(
        external_id, existing=str(holder["public_id"]), title=holder["title"] if visible else None
    )


def _external_id_taken(
    *, actor: User, external_id: str | None, milestone_pk: int | None
) -> InvalidInput:
    """The refusal of a save that hit the unique external id: another request took it since
    the check (the holder is named), or, with no holder, whichever other conflict it was."""
    if external_id and (
        taken := _holder_of(actor=actor, external_id=external_id, milestone_pk=milestone_pk)
    ):
        return taken
    return InvalidInput(
        "The milestone could not be saved: it conflicts with another one.",
        errors={"external_id": ["Conflicts with another milestone."]},
    )


def _check_external_id(*, actor: User, external_id: str | None, milestone_pk: int | None) -> None:
    if external_id is None:
        return
    if taken := _holder_of(actor=actor, external_id=external_id, milestone_pk=milestone_pk):
        raise taken


def create_milestone(
    *,
    actor: User,
    engagement: Engagement,
    status: str = Milestone.Status.NOT_STARTED,
    evidence: str = "",
    **fields: Any,
) -> Milestone:
    """Add a milestone, the one way pages and the API do: ``fields`` are those of
    ``_add_milestone`` (phase, title, owner, side, due_date; description, evidence_required,
    external_id, depends_on). A status other than not started, or evidence, is then set as a
    change of the new milestone (``update_milestone``, with its rules), all in one transaction:
    the log reads "created", then "updated"."""
    with transaction.atomic():
        milestone = _add_milestone(actor=actor, engagement=engagement, **fields)
        if status != Milestone.Status.NOT_STARTED or evidence:
            update_milestone(actor=actor, milestone=milestone, status=status, evidence=evidence)
    return milestone


@operation("milestone.created", tenant_of="engagement")
def _add_milestone(
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
    due_date = check_due_date(engagement=engagement, due_date=due_date)
    check_phase(engagement=engagement, phase=phase)
    check_owner(engagement=engagement, owner=owner)
    _check_external_id(actor=actor, external_id=external_id, milestone_pk=None)
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
    try:
        with transaction.atomic():
            milestone.save()
    except IntegrityError as clash:
        # Another request created the same external id since the check above.
        raise _external_id_taken(actor=actor, external_id=external_id, milestone_pk=None) from clash
    depends_on = list(depends_on)
    if depends_on:
        check_dependencies(milestone=milestone, depends_on=depends_on)
        set_dependencies(milestone=milestone, depends_on=depends_on)
    else:
        remember_dependencies(milestone=milestone, depends_on=[])
    audit.record_created(actor=actor, instance=milestone)
    return milestone


def check_not_locked(*, milestone: Milestone, changes: dict[str, Any]) -> None:
    """A milestone of a complete phase (its gate approved, the phase locked by the caller)
    no longer changes; a done one is refused as a reopening."""
    if milestone.phase.status != Phase.Status.COMPLETE:
        return
    if milestone.status == Milestone.Status.DONE and changes.get("status", "done") != "done":
        raise RuleBroken(
            f"“{milestone.title}” cannot be reopened: the "
            f"{milestone.phase.get_kind_display()} gate was approved."
        )
    check_takes_work(phase=milestone.phase)


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
    only_fields(changes, EDITABLE_FIELDS)
    if "title" in changes:
        changes["title"] = required(
            changes["title"], field="title", message="Give the milestone a title."
        )
    # The phase a milestone is in (and the one it moves to) is locked against its gate's
    # approval. A move locks both phases first, in one order, as an approval locks the
    # phase it completes and then the one it opens: the two never wait on each other.
    moving_to = changes.get("phase")
    moving = isinstance(moving_to, Phase) and moving_to.pk != milestone.phase_id
    locked = {milestone.phase_id, moving_to.pk} if moving else set()
    if moving:
        lock_phases_for_work(phase_ids=sorted(locked))
    milestone = found(
        Milestone.objects.select_for_update(
            of=("self",) if moving else ("self", "phase")
        ).select_related("engagement", "phase", "owner", "completed_by"),
        "No such milestone.",
        pk=milestone.pk,
    )
    if moving and milestone.phase_id not in locked:  # it moved meanwhile: lock where it is
        milestone.phase.status = lock_phase_for_work(phase=milestone.phase).status
    engagement = milestone.engagement
    require_editor(actor=actor, engagement=engagement)
    if expected_version is not None and expected_version != milestone.version:
        raise StaleVersion(
            f"“{milestone.title}” was changed by someone else (version "
            f"{milestone.version}, you edited {expected_version}). Reload it."
        )
    if milestone.phase.status == Phase.Status.COMPLETE:
        check_not_locked(milestone=milestone, changes=changes)

    current_dependencies = list(milestone.depends_on.select_related("phase"))
    remember_dependencies(milestone=milestone, depends_on=current_dependencies)
    before = audit.snapshot(milestone)
    was_done = milestone.status == Milestone.Status.DONE
    for field, value in changes.items():
        setattr(milestone, field, value)
    if "phase" in changes:
        check_phase(engagement=engagement, phase=milestone.phase)
    if "due_date" in changes:
        milestone.due_date = check_due_date(engagement=engagement, due_date=milestone.due_date)
    if "owner" in changes:
        check_owner(engagement=engagement, owner=milestone.owner)
    if "external_id" in changes:
        milestone.external_id = _clean_external_id(milestone.external_id)
        _check_external_id(
            actor=actor, external_id=milestone.external_id, milestone_pk=milestone.pk
        )
    if depends_on is not None:
        depends_on = list(depends_on)
        check_dependencies(milestone=milestone, depends_on=depends_on)
        if {d.pk for d in depends_on} != {d.pk for d in current_dependencies}:
            set_dependencies(milestone=milestone, depends_on=depends_on)
        current_dependencies = depends_on
    elif "phase" in changes:
        check_dependencies(milestone=milestone, depends_on=current_dependencies)

    if milestone.status == Milestone.Status.DONE and not was_done:
        check_can_be_done(milestone=milestone, depends_on=current_dependencies)
        milestone.completed_at, milestone.completed_by = timezone.now(), actor
    elif milestone.status == Milestone.Status.DONE:
        check_evidence(milestone=milestone)  # a done milestone keeps its proof
    elif was_done:
        check_can_be_reopened(
            milestone=milestone, done_dependents=done_dependents(milestone=milestone)
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
        raise _external_id_taken(
            actor=actor, external_id=milestone.external_id, milestone_pk=milestone.pk
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
    check_phase(engagement=milestone.engagement, phase=milestone.phase)
    dependents = list(milestone.dependents.values_list("title", flat=True)[:5])
    if dependents:
        raise ItemsOpen(
            f"“{milestone.title}” cannot be deleted while other milestones depend on it",
            items=dependents,
        )
    audit.record_deleted(actor=actor, instance=milestone)
    stored = list(EvidenceFile.objects.filter(milestone=milestone).values_list("file", flat=True))
    milestone.delete()
    for name in stored:
        delete_stored_file_after_commit(name)
