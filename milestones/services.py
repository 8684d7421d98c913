"""Writes and rules for milestones: named owners, dependencies, evidence, versions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import (
    can_comment,
    can_edit_milestone,
    is_seated,
    require,
    require_editor,
)
from engagements.services import lock_phase_for_work, lock_phases_for_work
from kernel.errors import (
    InvalidInput,
    ItemsOpen,
    RuleBroken,
    StaleVersion,
    found,
)
from kernel.text import required, size_in_words
from kernel.validation import a_date, check_fields, no_nul, not_before
from milestones.models import EvidenceFile, Milestone, MilestoneComment, MilestoneDependency

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


def _check_phase(*, engagement: Engagement, phase: Phase) -> Phase:
    """The phase, locked against its gate's approval (see ``lock_phase_for_work``), once it is
    known to be one of this engagement's that still takes work."""
    if phase.engagement_id != engagement.pk:
        raise InvalidInput(
            "The phase belongs to another engagement.",
            errors={"phase": ["Choose a phase of this engagement."]},
        )
    locked = lock_phase_for_work(phase=phase)
    phase.status = locked.status
    if phase.status == Phase.Status.COMPLETE:
        raise RuleBroken(
            f"The {phase.get_kind_display()} phase is complete: its gate was "
            "approved, so its milestones can no longer change."
        )
    return phase


def _clean_external_id(external_id: str | None) -> str | None:
    """A blank external id is no external id (and never clashes with another blank)."""
    no_nul(external_id=external_id)
    return (external_id or "").strip() or None


def _check_due_date(*, engagement: Engagement, due_date: object) -> datetime.date:
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


def has_proof(*, milestone: Milestone) -> bool:
    """What proves a milestone done: its evidence text, its evidence link or an attached
    file (any one of them). Pages, the API and bulk updates all ask this one rule."""
    if milestone.has_evidence:
        return True
    known = getattr(milestone, "has_files", None)  # selectors of lists annotate it
    if known is not None:
        return known
    return EvidenceFile.objects.filter(milestone_id=milestone.pk).exists()


def _check_evidence(*, milestone: Milestone) -> None:
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
    due_date = _check_due_date(engagement=engagement, due_date=due_date)
    _check_phase(engagement=engagement, phase=phase)
    _check_owner(engagement=engagement, owner=owner)
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
    if "due_date" in changes:
        milestone.due_date = _check_due_date(engagement=engagement, due_date=milestone.due_date)
    if "owner" in changes:
        _check_owner(engagement=engagement, owner=milestone.owner)
    if "external_id" in changes:
        milestone.external_id = _clean_external_id(milestone.external_id)
        _check_external_id(
            actor=actor, external_id=milestone.external_id, milestone_pk=milestone.pk
        )
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
    _check_phase(engagement=milestone.engagement, phase=milestone.phase)
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
        _delete_stored_file_after_commit(name)


# --- Comments and evidence files ---------------------------------------------------------------

COMMENT_MAX_LENGTH = 5000


@operation("milestone.commented", tenant_of="milestone")
def add_comment(*, actor: User, milestone: Milestone, body: str) -> MilestoneComment:
    """A message in the milestone's thread, by a member who may edit the engagement."""
    require(
        can_comment(user=actor, engagement=milestone.engagement),
        "Only members of this engagement who are not viewers can comment.",
    )
    body = required(body, field="body", message="Write a comment first.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise InvalidInput(
            "The comment is too long.",
            errors={"body": [f"Keep a comment under {COMMENT_MAX_LENGTH} characters."]},
        )
    comment = MilestoneComment.objects.create(
        tenant_id=milestone.tenant_id, milestone=milestone, author=actor, body=body
    )
    audit.record_created(actor=actor, instance=comment)
    return comment


@dataclass(frozen=True)
class EvidenceType:
    key: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    signatures: tuple[bytes, ...]  # how the file starts; empty for plain text


OFFICE_ZIP = (b"PK\x03\x04",)
EVIDENCE_TYPES = {
    known.key: known
    for known in (
        EvidenceType("pdf", "PDF", (".pdf",), "application/pdf", (b"%PDF-",)),
        EvidenceType("png", "PNG image", (".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
        EvidenceType("jpeg", "JPEG image", (".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
        EvidenceType(
            "docx",
            "Word document",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            OFFICE_ZIP,
        ),
        EvidenceType(
            "xlsx",
            "Excel workbook",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            OFFICE_ZIP,
        ),
        EvidenceType("csv", "CSV", (".csv",), "text/csv", ()),
        EvidenceType("txt", "Text", (".txt",), "text/plain", ()),
    )
}


def allowed_evidence_types() -> list[EvidenceType]:
    return [EVIDENCE_TYPES[key] for key in settings.EVIDENCE_ALLOWED_TYPES if key in EVIDENCE_TYPES]


def _refuse_file(message: str) -> InvalidInput:
    return InvalidInput(message, errors={"file": [message]})


def _evidence_type_of(*, name: str, upload: File) -> EvidenceType:
    """The type the name claims, confirmed by how the content starts: the browser's own
    content type is not trusted, and the stored one is ours."""
    allowed = allowed_evidence_types()
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    claimed = next((kind for kind in allowed if extension in kind.extensions), None)
    if claimed is None:
        accepted = ", ".join(ext for kind in allowed for ext in kind.extensions)
        raise _refuse_file(f"“{name}” is not a file type we accept (accepted: {accepted}).")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if claimed.signatures:
        matches = any(head.startswith(signature) for signature in claimed.signatures)
    else:
        matches = b"\x00" not in head  # text: no binary content behind a .txt or .csv
    if not matches:
        raise _refuse_file(f"The content of “{name}” is not a {claimed.label}.")
    return claimed


def _clean_file_name(name: str | None) -> str:
    # Keep what the person recognises (spaces, accents), drop any path and control characters.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 200 - len(extension) - 1] + dot + extension) if dot else base[:200]
    return base or "evidence"


def _delete_stored_file_after_commit(name: str) -> None:
    """The bytes go once the row is gone for good; a rolled-back deletion keeps them."""
    from django.core.files.storage import default_storage

    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@operation("milestone.evidence_file_attached", tenant_of="milestone")
def attach_evidence_file(*, actor: User, milestone: Milestone, upload: File) -> EvidenceFile:
    """Store an uploaded file beside the milestone's proof, within the size and type limits
    of the settings (``EVIDENCE_MAX_BYTES``, ``EVIDENCE_ALLOWED_TYPES``)."""
    require(
        can_edit_milestone(user=actor, milestone=milestone),
        "Only members of this engagement who are not viewers can attach files.",
    )
    _check_phase(engagement=milestone.engagement, phase=milestone.phase)
    if upload is None:
        raise _refuse_file("Choose a file to upload.")
    name = _clean_file_name(upload.name)
    size = upload.size or 0
    if size == 0:
        raise _refuse_file(f"“{name}” is empty.")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise _refuse_file(
            f"“{name}” is {size_in_words(size)}; files can be at most "
            f"{size_in_words(settings.EVIDENCE_MAX_BYTES)}."
        )
    kind = _evidence_type_of(name=name, upload=upload)
    evidence = EvidenceFile(
        tenant_id=milestone.tenant_id,
        milestone=milestone,
        original_name=name,
        size=size,
        content_type=kind.content_type,
        uploaded_by=actor,
    )
    # The bytes are stored first; if the row or its event cannot be written, they go again.
    evidence.file.save(name, upload, save=False)
    try:
        evidence.save()
        audit.record_created(actor=actor, instance=evidence)
    except Exception:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


@operation("milestone.evidence_file_deleted", tenant_of="evidence_file")
def delete_evidence_file(*, actor: User, evidence_file: EvidenceFile) -> None:
    """Remove a file; the audit trail keeps a tombstone (who, when, which file)."""
    evidence_file = found(
        EvidenceFile.objects.select_for_update(of=("self",)).select_related(
            "milestone__engagement", "milestone__phase"
        ),
        "No such file.",
        pk=evidence_file.pk,
    )
    milestone = evidence_file.milestone
    require(
        can_edit_milestone(user=actor, milestone=milestone),
        "Only members of this engagement who are not viewers can delete files.",
    )
    _check_phase(engagement=milestone.engagement, phase=milestone.phase)
    if milestone.status == Milestone.Status.DONE and milestone.evidence_required:
        # A done milestone keeps its proof: its last file goes only if text or a link remains.
        others = EvidenceFile.objects.filter(milestone_id=milestone.pk).exclude(pk=evidence_file.pk)
        if not milestone.has_evidence and not others.exists():
            raise RuleBroken(
                f"“{evidence_file.original_name}” is the only evidence of “{milestone.title}”, "
                "which is done: add evidence text, a link or another file first, or reopen it."
            )
    audit.record_deleted(actor=actor, instance=evidence_file)
    stored = evidence_file.file.name
    evidence_file.delete()
    _delete_stored_file_after_commit(stored)
