"""Writes and rules for the escalation path: levels, each with a contact on the client and the
provider side and a response time, numbered from 1 without gaps."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import (
    can_edit_escalation_path,
    check_member,
    require,
    require_visible,
    seat_of,
)
from engagements.services import lock_phase_for_work
from kernel.errors import InvalidInput, found
from kernel.text import required
from kernel.validation import check_fields, only_fields
from registers.checks import check_version, person
from registers.models import EscalationLevel


def _require_path_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_escalation_path(user=actor, engagement=engagement),
        "Only PMO and the leads can change the escalation path.",
    )


LEVEL_EDITABLE = {"name", "client_contact", "provider_contact", "response_hours", "trigger"}


def _check_contact(*, engagement: Engagement, user: User | None, side: str) -> None:
    field = f"{side}_contact"
    check_member(engagement=engagement, user=user, field=field, what=f"{side} contact")
    seat = seat_of(user=user, engagement=engagement)
    if seat.side != side:
        raise InvalidInput(
            f"{user} sits on the {seat.get_side_display().lower()} side, not the {side} side.",
            errors={field: [f"Choose a member of the {side} side."]},
        )


def _check_level(level: EscalationLevel) -> None:
    level.name = required(level.name, field="name", message="Name the level (who meets).")
    level.trigger = (level.trigger or "").strip()
    _check_contact(engagement=level.engagement, user=person(level, "client_contact"), side="client")
    _check_contact(
        engagement=level.engagement, user=person(level, "provider_contact"), side="provider"
    )
    try:
        hours = int(level.response_hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= 720:
        raise InvalidInput(
            "The response time is a whole number of hours from 1 to 720.",
            errors={"response_hours": ["Give the response time in hours (1 to 720)."]},
        )
    level.response_hours = hours
    check_fields(
        level,
        validate_unique=False,
        checked=("engagement", "client_contact", "provider_contact"),
    )


@operation("escalation.level_added", tenant_of="engagement")
def add_escalation_level(
    *,
    actor: User,
    engagement: Engagement,
    name: str,
    client_contact: User | None,
    provider_contact: User | None,
    response_hours: int | None,
    trigger: str = "",
) -> EscalationLevel:
    """A new level at the top of the path (level 1 is the first to call)."""
    engagement = found(
        Engagement.objects.select_for_update(), "No such engagement.", pk=engagement.pk
    )
    _require_path_editor(actor=actor, engagement=engagement)
    highest = (
        EscalationLevel.objects.filter(engagement=engagement)
        .order_by("-level")
        .values_list("level", flat=True)
        .first()
    )
    level = EscalationLevel(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        level=(highest or 0) + 1,
        name=name,
        client_contact=client_contact,
        provider_contact=provider_contact,
        response_hours=response_hours,
        trigger=trigger,
    )
    _check_level(level)
    level.save()
    audit.record_created(actor=actor, instance=level)
    return level


def _locked_level(level: EscalationLevel) -> EscalationLevel:
    return found(
        EscalationLevel.objects.select_for_update(of=("self",)).select_related(
            "engagement", "client_contact", "provider_contact"
        ),
        "No such escalation level.",
        pk=level.pk,
    )


@operation("escalation.level_updated", tenant_of="level")
def update_escalation_level(
    *, actor: User, level: EscalationLevel, expected_version: int | None = None, **changes: Any
) -> EscalationLevel:
    only_fields(changes, LEVEL_EDITABLE)
    level = _locked_level(level)
    _require_path_editor(actor=actor, engagement=level.engagement)
    check_version(instance=level, expected_version=expected_version, label=str(level))
    before = audit.snapshot(level)
    for field, value in changes.items():
        setattr(level, field, value)
    _check_level(level)
    if audit.snapshot(level) == before:
        return level
    level.version += 1
    level.save()
    audit.record_updated(actor=actor, instance=level, before=before)
    return level


@operation("escalation.level_removed", tenant_of="level")
def remove_escalation_level(*, actor: User, level: EscalationLevel) -> None:
    """Remove a level; the levels above it move down one, keeping the path gapless."""
    # Fewer levels can reopen the controlled go-live gate's automatic criterion: the phase is
    # locked first, as its approval locks it, so one waits for the other.
    go_live = Phase.objects.filter(
        engagement_id=level.engagement_id, kind=Phase.Kind.CONTROLLED_GO_LIVE
    ).first()
    if go_live is not None:
        lock_phase_for_work(phase=go_live)
    engagement = found(
        Engagement.objects.select_for_update(), "No such engagement.", pk=level.engagement_id
    )
    level = _locked_level(level)
    _require_path_editor(actor=actor, engagement=engagement)
    audit.record_deleted(actor=actor, instance=level)
    removed = level.level
    level.delete()
    # One row at a time, lowest first: each moves into the slot just freed, so the unique
    # (engagement, level) constraint holds after every statement.
    above = EscalationLevel.objects.filter(engagement=engagement, level__gt=removed)
    for higher in above.select_related("engagement").order_by("level"):
        audit.change(
            actor=actor,
            instance=higher,
            note=f"Level {removed} was removed",
            level=higher.level - 1,
            version=higher.version + 1,
        )
