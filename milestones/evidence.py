"""Files that prove a milestone done: what types are accepted (by name and by content), their
size, attaching and deleting them. A done milestone keeps its proof."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import transaction

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.permissions import can_edit_milestone, require
from kernel.errors import InvalidInput, RuleBroken, found
from kernel.text import size_in_words
from milestones.models import EvidenceFile, Milestone
from milestones.rules import check_phase


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


def delete_stored_file_after_commit(name: str) -> None:
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
    check_phase(engagement=milestone.engagement, phase=milestone.phase)
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
    check_phase(engagement=milestone.engagement, phase=milestone.phase)
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
    delete_stored_file_after_commit(stored)
