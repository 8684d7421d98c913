"""What a milestone's row on the engagement page shows, worked out once in Python.

A plan has hundreds of rows. Each becomes a plain object that its template only prints, so a
row costs a few dozen template nodes instead of a hundred lookups, filters and rules; the
rules it shows (overdue, needs evidence, who may edit) are decided here, once.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from accounts.models import User
from engagements.models import Engagement, Phase
from engagements.permissions import can_edit
from milestones.models import Milestone
from milestones.rules import has_proof

EVIDENCE_SHOWN = 90
LINK_SHOWN = 40
SIDE_LABELS = dict(Milestone.Side.choices)
STATUS_LABELS = dict(Milestone.Status.choices)


def shortened(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@functools.lru_cache(maxsize=16)
def status_options(selected: str) -> SafeString:
    """The ``<option>``s of the status select, ``selected`` chosen (the same five each time)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, SafeString(" selected") if value == selected else "", label)
            for value, label in Milestone.Status.choices
        ),
    )


def _prefix_of(route: str, engagement: Engagement) -> str:
    """What ``route``'s URL is for this engagement up to the milestone's id."""
    placeholder = uuid.UUID(int=0)
    url = reverse(route, args=[engagement.public_id, placeholder])
    return url[: url.index(str(placeholder))]


def actions_prefix(engagement: Engagement) -> str:
    """``/engagements/<uuid>/milestones/``: each row's actions are ``<uuid>/<action>/`` under
    it (one reverse per page instead of two per row)."""
    return _prefix_of("milestone_rows:status", engagement)


def page_prefix(engagement: Engagement) -> str:
    """Each row's milestone page is ``<uuid>/`` under this (one reverse per page)."""
    return _prefix_of("milestones:detail", engagement)


@dataclass
class MilestoneRow:
    id: str
    title: str
    owner: str
    owner_is_you: bool
    side: str
    due_iso: str
    due_label: str
    overdue: bool
    status: str
    status_label: str
    evidence: str
    evidence_link: str
    evidence_link_label: str
    has_evidence: bool
    has_files: bool
    evidence_required: bool
    needs_evidence: bool
    done: bool
    editable: bool
    version: int
    status_url: str
    evidence_url: str
    page_url: str
    status_options: SafeString
    # After a refused post: which editor stays open, with what the person typed in it.
    editor: str = ""
    evidence_value: str = ""
    evidence_link_value: str = ""

    @property
    def status_open(self) -> bool:
        return self.editor == "status"

    @property
    def evidence_open(self) -> bool:
        return self.editor == "evidence"


def build_row(
    milestone: Milestone,
    *,
    actor: User,
    today: datetime.date,
    may_edit: bool,
    prefix: str,
    pages: str,
    editor: str = "",
    typed: Mapping[str, str] | None = None,
) -> MilestoneRow:
    """``milestone.phase`` must be loaded (the caller sets it from what it already has);
    ``prefix`` and ``pages`` are ``actions_prefix`` and ``page_prefix`` of its engagement."""
    typed = typed or {}
    is_open = milestone.status not in Milestone.CLOSED
    evidence, link = milestone.evidence, milestone.evidence_link
    has_evidence = has_proof(milestone=milestone)
    has_files = has_evidence and not (evidence.strip() or link.strip())
    chosen_status = typed.get("status", milestone.status) if editor == "status" else None
    row_id = str(milestone.public_id)
    return MilestoneRow(
        id=row_id,
        title=milestone.title,
        owner=str(milestone.owner),
        owner_is_you=milestone.owner_id == actor.pk,
        side=SIDE_LABELS.get(milestone.side, milestone.side),
        due_iso=milestone.due_date.isoformat(),
        due_label=f"{milestone.due_date.day} {milestone.due_date:%b}",
        overdue=is_open and milestone.due_date < today,
        status=milestone.status,
        status_label=STATUS_LABELS.get(milestone.status, milestone.status),
        evidence=shortened(evidence, EVIDENCE_SHOWN),
        evidence_link=link,
        evidence_link_label=shortened(link, LINK_SHOWN),
        has_evidence=has_evidence,
        has_files=has_files,
        evidence_required=milestone.evidence_required,
        needs_evidence=milestone.evidence_required and is_open and not has_evidence,
        done=milestone.status == Milestone.Status.DONE,
        # An approved gate froze its phase: the rows stay, their forms go.
        editable=may_edit and milestone.phase.status != Phase.Status.COMPLETE,
        version=milestone.version,
        status_url=f"{prefix}{row_id}/status/",
        evidence_url=f"{prefix}{row_id}/evidence/",
        page_url=f"{pages}{row_id}/",
        status_options=status_options(chosen_status or milestone.status),
        editor=editor,
        evidence_value=typed.get("evidence", "") if editor == "evidence" else evidence,
        evidence_link_value=typed.get("evidence_link", "") if editor == "evidence" else link,
    )


def build_rows(
    milestones: Iterable[Milestone], *, engagement: Engagement, actor: User, today: datetime.date
) -> list[MilestoneRow]:
    """Rows of one engagement's milestones, asking who may edit once for all of them."""
    may_edit = can_edit(user=actor, engagement=engagement)
    prefix, pages = actions_prefix(engagement), page_prefix(engagement)
    return [
        build_row(
            milestone, actor=actor, today=today, may_edit=may_edit, prefix=prefix, pages=pages
        )
        for milestone in milestones
    ]
