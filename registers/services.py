"""Writes and rules for the registers: RAID items and exceptions with named owners, the
escalation path and the decision rights."""

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
from engagements.permissions import (
    can_edit_decision_rights,
    can_edit_escalation_path,
    can_edit_raid,
    is_seated,
    require,
    require_visible,
    seat_of,
)
from engagements.services import lock_phase_for_work
from kernel.errors import InvalidInput, StaleVersion, found
from kernel.text import required
from kernel.validation import check_fields
from milestones.models import Milestone
from registers.models import (
    DecisionRight,
    EscalationLevel,
    RaidAgreement,
    RaidItem,
    RaidItemMilestone,
)

# --- Shared checks ---------------------------------------------------------------------------


def _require_raid_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_raid(user=actor, engagement=engagement),
        "Only members of this engagement who are not viewers can change its RAID register.",
    )


def _require_path_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_escalation_path(user=actor, engagement=engagement),
        "Only PMO and the leads can change the escalation path.",
    )


def _require_rights_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_decision_rights(user=actor, engagement=engagement),
        "Only PMO and the leads can change the decision rights.",
    )


def _check_member(*, engagement: Engagement, user: User | None, field: str, what: str) -> None:
    if user is None:
        raise InvalidInput(f"Name the {what}.", errors={field: [f"Name the {what}."]})
    if not is_seated(user=user, engagement=engagement):
        raise InvalidInput(
            f"{user} is not a member of this engagement.",
            errors={field: [f"The {what} must be a member of the engagement."]},
        )


def _person(instance: Any, field: str) -> User | None:
    """The person a required foreign key names, or None when it names nobody yet."""
    return getattr(instance, field) if getattr(instance, f"{field}_id") is not None else None


def _check_version(*, instance: Any, expected_version: int | None, label: str) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise StaleVersion(
            f"“{label}” was changed by someone else (version {instance.version}, you edited "
            f"{expected_version}). Reload it and make your change again."
        )


def _unknown(changes: dict[str, Any], editable: set[str]) -> None:
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput(
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
            errors={field: ["Unknown field."] for field in sorted(unknown)},
        )


# --- RAID items --------------------------------------------------------------------------------

RAID_EDITABLE = {
    "title",
    "description",
    "owner",
    "due_date",
    "status",
    "probability",
    "impact",
    "response",
    "handling",
    "decision_rule",
}


def _clean_text(item: RaidItem) -> None:
    item.title = required(item.title, field="title", message="Give the item a title.")
    for field in ("description", "response", "handling", "decision_rule"):
        setattr(item, field, (getattr(item, field) or "").strip())
    if item.kind == RaidItem.Kind.EXCEPTION:
        item.description = required(
            item.description,
            field="description",
            message="Describe the situation the exception covers.",
        )


def _check_status(item: RaidItem) -> None:
    allowed = RaidItem.DECISION_STATUSES if item.is_decision else RaidItem.WORK_STATUSES
    if item.status not in allowed:
        labels = " or ".join(RaidItem.Status(status).label.lower() for status in allowed)
        raise InvalidInput(
            f"A {item.get_kind_display().lower()} is {labels}.",
            errors={"status": [f"Choose {labels}."]},
        )


def _check_score(item: RaidItem) -> None:
    if item.kind != RaidItem.Kind.RISK:
        item.probability = item.impact = None
        return
    errors = {}
    for field in ("probability", "impact"):
        value = getattr(item, field)
        try:
            value = int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            value = 0
        if value is None or not 1 <= value <= 5:
            errors[field] = [f"Rate the {field} from 1 (lowest) to 5 (highest)."]
        setattr(item, field, value)
    if errors:
        raise InvalidInput("A risk needs a probability and an impact from 1 to 5.", errors=errors)


def _check_agreement(*, item: RaidItem, agreed_by: list[User]) -> None:
    """A decision is agreed by named members; an exception closes on an agreed rule."""
    foreign = [
        str(user) for user in agreed_by if not is_seated(user=user, engagement=item.engagement)
    ]
    if foreign:
        raise InvalidInput(
            f"{', '.join(foreign)} not a member of this engagement.",
            errors={"agreed_by": ["Everybody who agreed must be a member of the engagement."]},
        )
    if item.status == RaidItem.Status.AGREED and not agreed_by:
        raise InvalidInput(
            "An agreed decision names who agreed it.",
            errors={"agreed_by": ["Name the members who agreed this decision."]},
        )
    if item.kind == RaidItem.Kind.EXCEPTION and item.status == RaidItem.Status.CLOSED:
        item.decision_rule = required(
            item.decision_rule,
            field="decision_rule",
            message="An exception is closed by the decision rule everybody now applies.",
            field_message="Write the agreed decision rule.",
        )
        if not agreed_by:
            raise InvalidInput(
                "An exception's decision rule names who agreed it.",
                errors={"agreed_by": ["Name the members who agreed the rule."]},
            )


def _check_milestones(*, item: RaidItem, milestones: list[Milestone]) -> None:
    foreign = [m.title for m in milestones if m.engagement_id != item.engagement_id]
    if foreign:
        raise InvalidInput(
            "An item can be linked only to milestones of its own engagement.",
            errors={"milestones": [f"“{title}” is in another engagement." for title in foreign]},
        )


def _mark_closed(*, item: RaidItem, was_open: bool, actor: User) -> None:
    if item.is_open:
        item.closed_at = item.closed_by = None
    elif was_open:
        item.closed_at, item.closed_by = timezone.now(), actor


def _check_item(
    *, item: RaidItem, agreed_by: list[User], milestones: list[Milestone], checked: tuple
) -> None:
    _clean_text(item)
    if item.due_date in (None, ""):
        raise InvalidInput(
            "Every item needs a due date.", errors={"due_date": ["Give the item a due date."]}
        )
    _check_member(
        engagement=item.engagement, user=_person(item, "owner"), field="owner", what="owner"
    )
    _check_status(item)
    _check_score(item)
    _check_agreement(item=item, agreed_by=agreed_by)
    _check_milestones(item=item, milestones=milestones)
    check_fields(item, validate_unique=False, checked=checked)


def _set_links(*, item: RaidItem, agreed_by: list[User], milestones: list[Milestone]) -> None:
    RaidAgreement.objects.filter(item=item).delete()
    RaidAgreement.objects.bulk_create(
        [RaidAgreement(tenant_id=item.tenant_id, item=item, user=user) for user in agreed_by]
    )
    RaidItemMilestone.objects.filter(item=item).delete()
    RaidItemMilestone.objects.bulk_create(
        [
            RaidItemMilestone(tenant_id=item.tenant_id, item=item, milestone=milestone)
            for milestone in milestones
        ]
    )
    _remember_links(item=item, agreed_by=agreed_by, milestones=milestones)


def _remember_links(*, item: RaidItem, agreed_by: list[User], milestones: list[Milestone]) -> None:
    """The audit snapshot reads the links from here instead of querying them again."""
    item._audit_values = {
        "agreed_by": sorted(str(user.public_id) for user in agreed_by),
        "milestones": sorted(str(milestone.public_id) for milestone in milestones),
    }


def _unique(rows: Iterable) -> list:
    return list({row.pk: row for row in rows}.values())


@operation("raid.created", tenant_of="engagement")
def create_raid_item(
    *,
    actor: User,
    engagement: Engagement,
    kind: str,
    title: str,
    owner: User | None,
    due_date: datetime.date | None,
    status: str | None = None,
    description: str = "",
    probability: int | None = None,
    impact: int | None = None,
    response: str = "",
    handling: str = "",
    decision_rule: str = "",
    agreed_by: Iterable[User] = (),
    milestones: Iterable[Milestone] = (),
) -> RaidItem:
    """A new item of the register, owned by a named member and due on a date."""
    _require_raid_editor(actor=actor, engagement=engagement)
    if kind not in RaidItem.Kind.values:
        raise InvalidInput(
            f"“{kind}” is not a kind of RAID item.",
            errors={"kind": ["Choose risk, assumption, action, issue, decision or exception."]},
        )
    item = RaidItem(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        kind=kind,
        title=title,
        description=description,
        owner=owner,
        due_date=due_date,
        status=status
        or (RaidItem.Status.PROPOSED if kind == RaidItem.Kind.DECISION else RaidItem.Status.OPEN),
        probability=probability,
        impact=impact,
        response=response,
        handling=handling,
        decision_rule=decision_rule,
    )
    agreed_by, milestones = _unique(agreed_by), _unique(milestones)
    _check_item(
        item=item, agreed_by=agreed_by, milestones=milestones, checked=("engagement", "owner")
    )
    _mark_closed(item=item, was_open=True, actor=actor)
    item.save()
    _set_links(item=item, agreed_by=agreed_by, milestones=milestones)
    audit.record_created(actor=actor, instance=item)
    return item


def _locked_item(item: RaidItem) -> RaidItem:
    return found(
        RaidItem.objects.select_for_update(of=("self",)).select_related(
            "engagement", "owner", "closed_by"
        ),
        "No such item.",
        pk=item.pk,
    )


@operation("raid.updated", tenant_of="item")
def update_raid_item(
    *,
    actor: User,
    item: RaidItem,
    expected_version: int | None = None,
    agreed_by: Iterable[User] | None = None,
    milestones: Iterable[Milestone] | None = None,
    **changes: Any,
) -> RaidItem:
    """Change an item; every change bumps its version and lands in the audit trail. An edit
    of an older version than the stored one is refused (nothing is overwritten)."""
    _unknown(changes, RAID_EDITABLE)
    item = _locked_item(item)
    _require_raid_editor(actor=actor, engagement=item.engagement)
    _check_version(instance=item, expected_version=expected_version, label=item.title)
    current_agreed = list(item.agreed_by.all())
    current_milestones = list(item.milestones.all())
    _remember_links(item=item, agreed_by=current_agreed, milestones=current_milestones)
    before = audit.snapshot(item)
    was_open = item.is_open
    for field, value in changes.items():
        setattr(item, field, value)
    agreed_by = _unique(agreed_by) if agreed_by is not None else current_agreed
    milestones = _unique(milestones) if milestones is not None else current_milestones
    _check_item(
        item=item,
        agreed_by=agreed_by,
        milestones=milestones,
        checked=("engagement", "owner", "closed_by"),
    )
    _mark_closed(item=item, was_open=was_open, actor=actor)
    _remember_links(item=item, agreed_by=agreed_by, milestones=milestones)
    if audit.snapshot(item) == before:
        return item  # nothing changed: same version, no event
    item.version += 1
    item.save()
    if {u.pk for u in agreed_by} != {u.pk for u in current_agreed} or {
        m.pk for m in milestones
    } != {m.pk for m in current_milestones}:
        _set_links(item=item, agreed_by=agreed_by, milestones=milestones)
    audit.record_updated(actor=actor, instance=item, before=before)
    return item


@operation("raid.closed", tenant_of="item")
def close_raid_item(
    *, actor: User, item: RaidItem, expected_version: int | None = None
) -> RaidItem:
    """Close an item; a decision is closed by agreeing it. An exception closes only on an
    agreed decision rule."""
    closed = RaidItem.Status.AGREED if item.is_decision else RaidItem.Status.CLOSED
    return update_raid_item(
        actor=actor, item=item, expected_version=expected_version, status=closed
    )


# --- Escalation path -------------------------------------------------------------------------

LEVEL_EDITABLE = {"name", "client_contact", "provider_contact", "response_hours", "trigger"}


def _check_contact(*, engagement: Engagement, user: User | None, side: str) -> None:
    field = f"{side}_contact"
    _check_member(engagement=engagement, user=user, field=field, what=f"{side} contact")
    seat = seat_of(user=user, engagement=engagement)
    if seat.side != side:
        raise InvalidInput(
            f"{user} sits on the {seat.get_side_display().lower()} side, not the {side} side.",
            errors={field: [f"Choose a member of the {side} side."]},
        )


def _check_level(level: EscalationLevel) -> None:
    level.name = required(level.name, field="name", message="Name the level (who meets).")
    level.trigger = (level.trigger or "").strip()
    _check_contact(
        engagement=level.engagement, user=_person(level, "client_contact"), side="client"
    )
    _check_contact(
        engagement=level.engagement, user=_person(level, "provider_contact"), side="provider"
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
    _unknown(changes, LEVEL_EDITABLE)
    level = _locked_level(level)
    _require_path_editor(actor=actor, engagement=level.engagement)
    _check_version(instance=level, expected_version=expected_version, label=str(level))
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


# --- Decision rights -------------------------------------------------------------------------

RIGHT_EDITABLE = {
    "area",
    "approver_side",
    "approver_role",
    "approver",
    "consulted",
    "informed",
    "notes",
}


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
        _check_member(
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
    _unknown(changes, RIGHT_EDITABLE)
    right = _locked_right(right)
    _require_rights_editor(actor=actor, engagement=right.engagement)
    _check_version(instance=right, expected_version=expected_version, label=right.area)
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
