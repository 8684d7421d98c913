"""Writes and rules for the RAID register: risks, assumptions, actions, issues, decisions and
exceptions, each with a named owner who is a member of the engagement, a due date and a
version. The escalation path (``registers.escalation``) and the decision rights
(``registers.decision_rights``) have their own modules."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import can_edit_raid, check_member, require, require_visible
from kernel.errors import InvalidInput, found
from kernel.text import required
from kernel.validation import check_fields, only_fields
from milestones.models import Milestone
from registers.checks import check_version, person
from registers.models import RaidAgreement, RaidItem, RaidItemMilestone


def _require_raid_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_raid(user=actor, engagement=engagement),
        "Only members of this engagement who are not viewers can change its RAID register.",
    )


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
    for user in agreed_by:
        check_member(
            engagement=item.engagement, user=user, field="agreed_by", what="person who agreed"
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
    check_member(
        engagement=item.engagement, user=person(item, "owner"), field="owner", what="owner"
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
    only_fields(changes, frozenset(RaidItem.EDITABLE_FIELDS))
    item = _locked_item(item)
    _require_raid_editor(actor=actor, engagement=item.engagement)
    check_version(instance=item, expected_version=expected_version, label=item.title)
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
