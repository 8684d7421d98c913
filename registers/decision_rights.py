"""Writes and rules for the decision rights: who approves each area of decision (a side and
role, or a named member), who is consulted and who informed."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import can_edit_decision_rights, check_member, require, require_visible
from kernel.errors import InvalidInput, found
from kernel.text import required
from kernel.validation import check_fields, only_fields
from registers.checks import check_version
from registers.models import DecisionRight


def _require_rights_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_decision_rights(user=actor, engagement=engagement),
        "Only PMO and the leads can change the decision rights.",
    )


# Everything audited but what the services set themselves.
RIGHT_EDITABLE = frozenset(DecisionRight.AUDIT_FIELDS) - {"engagement", "version"}


def _check_right(right: DecisionRight) -> None:
    right.area = required(right.area, field="area", message="Name the decision area.")
    for field in ("consulted", "informed", "notes"):
        setattr(right, field, (getattr(right, field) or "").strip())
    right.approver_side = right.approver_side or ""
    right.approver_role = right.approver_role or ""
    if right.approver_side and right.approver_side not in DecisionRight.Side.values:
        raise InvalidInput(
            f"“{right.approver_side}” is not a side.",
            errors={"approver_side": ["Choose client, provider, both or PMO."]},
        )
    if right.approver_role and right.approver_role not in DecisionRight.Role.values:
        raise InvalidInput(
            f"“{right.approver_role}” is not a role.",
            errors={"approver_role": ["Choose lead or any member."]},
        )
    if right.approver is None and not right.approver_side:
        raise InvalidInput(
            "Say who approves: a side (and role) or a named member.",
            errors={"approver_side": ["Choose the approving side, or name a member below."]},
        )
    if right.approver is not None:
        check_member(
            engagement=right.engagement, user=right.approver, field="approver", what="approver"
        )
    clash = (
        DecisionRight.objects.filter(engagement=right.engagement, area__iexact=right.area)
        .exclude(pk=right.pk)
        .exists()
    )
    if clash:
        raise InvalidInput(
            f"“{right.area}” already has a row in the decision rights.",
            errors={"area": ["This area is already in the table; edit that row."]},
        )
    check_fields(right, validate_unique=False, checked=("engagement", "approver"))


def _save_right(right: DecisionRight) -> None:
    try:
        with transaction.atomic():
            right.save()
    except IntegrityError as clash:
        raise InvalidInput(
            f"“{right.area}” already has a row in the decision rights.",
            errors={"area": ["This area is already in the table; edit that row."]},
        ) from clash


@operation("decision_right.created", tenant_of="engagement")
def create_decision_right(
    *,
    actor: User,
    engagement: Engagement,
    area: str,
    approver_side: str = "",
    approver_role: str = DecisionRight.Role.LEAD,
    approver: User | None = None,
    consulted: str = "",
    informed: str = "",
    notes: str = "",
) -> DecisionRight:
    _require_rights_editor(actor=actor, engagement=engagement)
    right = DecisionRight(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        area=area,
        approver_side=approver_side,
        approver_role=approver_role,
        approver=approver,
        consulted=consulted,
        informed=informed,
        notes=notes,
    )
    _check_right(right)
    _save_right(right)
    audit.record_created(actor=actor, instance=right)
    return right


def _locked_right(right: DecisionRight) -> DecisionRight:
    return found(
        DecisionRight.objects.select_for_update(of=("self",)).select_related(
            "engagement", "approver"
        ),
        "No such decision right.",
        pk=right.pk,
    )


@operation("decision_right.updated", tenant_of="right")
def update_decision_right(
    *, actor: User, right: DecisionRight, expected_version: int | None = None, **changes: Any
) -> DecisionRight:
    only_fields(changes, RIGHT_EDITABLE)
    right = _locked_right(right)
    _require_rights_editor(actor=actor, engagement=right.engagement)
    check_version(instance=right, expected_version=expected_version, label=right.area)
    before = audit.snapshot(right)
    for field, value in changes.items():
        setattr(right, field, value)
    _check_right(right)
    if audit.snapshot(right) == before:
        return right
    right.version += 1
    _save_right(right)
    audit.record_updated(actor=actor, instance=right, before=before)
    return right


@operation("decision_right.removed", tenant_of="right")
def remove_decision_right(*, actor: User, right: DecisionRight) -> None:
    right = _locked_right(right)
    _require_rights_editor(actor=actor, engagement=right.engagement)
    audit.record_deleted(actor=actor, instance=right)
    right.delete()
