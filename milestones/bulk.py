"""Bulk changes of milestones: one status, owner or due date for many milestones at once.

Every milestone is judged by the rules ``update_milestone`` answers to (its phase still takes
work, a due date on or after day 0, an owner who is a member, proof and finished dependencies
before done, no reopening under done dependents), asked of rows loaded together: a preview or
a change of 5 or 500 milestones runs the same few statements. A preview writes nothing; a
change writes one ``milestone.bulk_changed`` operation (one correlation id, one event per
milestone), all or nothing unless the caller asks for the allowed ones explicitly; its undo,
offered for ``UNDO_WINDOW``, is itself one operation, refused when anyone edited one of the
milestones since.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Tenant, User
from accounts.selectors import members_among
from audit import services as audit
from audit.models import Event
from audit.services import operation
from engagements.models import Engagement, EngagementMember, Phase
from engagements.permissions import can_edit
from kernel.errors import DomainError, InvalidInput, ItemsOpen, NotAllowed, NotFound, RuleBroken
from milestones.dependencies import check_can_be_done, check_can_be_reopened
from milestones.models import EvidenceFile, Milestone, MilestoneDependency
from milestones.rules import check_evidence
from milestones.services import check_due_date, check_not_locked, check_owner

MAX_ITEMS = 1000
UNDO_WINDOW = datetime.timedelta(minutes=10)
OPERATION = "milestone.bulk_changed"
UNDO_OPERATION = "milestone.bulk_undone"
ALL_OR_NOTHING = "all_or_nothing"
ALLOWED = "allowed"
MODES = (ALL_OR_NOTHING, ALLOWED)
# The fields a bulk change sets (and its undo restores, with what completing sets).
CHANGEABLE = ("status", "owner", "due_date")
RESTORED = (*CHANGEABLE, "completed_at", "completed_by")


@dataclass(frozen=True)
class BulkChange:
    """What changes on every selected milestone; None leaves a field as it is."""

    status: str | None = None
    owner: User | None = None
    due_date: datetime.date | None = None

    def fields(self) -> dict[str, Any]:
        return {name: value for name in CHANGEABLE if (value := getattr(self, name)) is not None}


@dataclass
class ItemResult:
    """One milestone's verdict: ``change`` (with ``changes``, field: [old, new] as shown),
    ``unchanged`` (it already has these values) or ``refused`` (with ``reasons``)."""

    milestone: Milestone
    outcome: str
    reasons: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, list[Any]] = field(default_factory=dict)  # as the API shows them

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"


@dataclass
class BulkResult:
    items: list[ItemResult]
    mode: str = ALL_OR_NOTHING
    applied: bool = False
    operation: uuid.UUID | None = None
    undo_until: datetime.datetime | None = None

    def _count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    @property
    def changing(self) -> int:
        return self._count("change")

    @property
    def refused(self) -> int:
        return self._count("refused")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")


class BulkRefused(ItemsOpen):
    """An all-or-nothing change (or an undo) that some milestones refuse: nothing was
    written; ``result`` holds every milestone's verdict."""

    def __init__(self, message: str, *, result: BulkResult) -> None:
        refused = [item for item in result.items if item.refused]
        super().__init__(
            message,
            items=[f"{item.milestone.title}: {' '.join(item.reasons)}" for item in refused],
        )
        self.result = result


# --- Input ------------------------------------------------------------------------------------


def check_selection(ids: Sequence[Any]) -> list[Any]:
    """The selected ids without repeats: at least one, at most ``MAX_ITEMS`` (counted before
    anything is read, so 100,000 ids cost nothing)."""
    if not ids:
        raise InvalidInput(
            "Select at least one milestone.", errors={"ids": ["Select at least one milestone."]}
        )
    if len(ids) > MAX_ITEMS:
        message = f"Select at most {MAX_ITEMS:,} milestones at once (you selected {len(ids):,})."
        raise InvalidInput(message, errors={"ids": [message]})
    return list(dict.fromkeys(ids))


def check_change(change: BulkChange) -> dict[str, Any]:
    fields = change.fields()
    if not fields:
        message = "Choose what to change: the status, the owner or the due date."
        raise InvalidInput(message, errors={"change": [message]})
    if "status" in fields and fields["status"] not in Milestone.Status.values:
        raise InvalidInput(
            "No such status.", errors={"change.status": ["Choose one of the statuses."]}
        )
    return fields


def person_in_tenant(*, tenant_id: int, public_id: Any) -> User:
    """The person a bulk change names as owner, by public id, if they belong to the tenant
    (anyone else is "no such person", whoever they are elsewhere)."""
    person = User.objects.filter(public_id=public_id).first()
    if person is None or not members_among(tenant_id=tenant_id, users=[person]):
        raise InvalidInput(
            "No such person in this tenant.",
            errors={"change.owner": ["Choose a person of this tenant."]},
        )
    return person


# --- Loading what the rules need, in a fixed number of statements -----------------------------


@dataclass
class _Loaded:
    milestones: list[Milestone]
    dependencies: dict[int, list[Milestone]]
    done_dependents: dict[int, list[str]]
    now: datetime.datetime = field(default_factory=timezone.now)


def _named(public_ids: Iterable[Any], limit: int = 10) -> list[str]:
    public_ids = list(public_ids)
    named = [f"No such milestone: {public_id}." for public_id in public_ids[:limit]]
    if len(public_ids) > limit:
        named.append(f"And {len(public_ids) - limit} more.")
    return named


def _load(
    *,
    actor: User,
    public_ids: list[Any],
    people: Iterable[User] = (),
    lock: bool,
    missing_is_refusal: bool = False,
) -> _Loaded:
    """The milestones, each engagement's seats for the actor and ``people``, the phases
    (locked on a write), the dependencies and the done dependents: five statements."""
    queryset = (
        Milestone.objects.visible_to(actor)
        .filter(public_id__in=public_ids)
        .annotate(
            has_files=Exists(EvidenceFile.objects.filter(milestone_id=OuterRef("pk")).values("pk"))
        )
        .order_by("due_date", "id")
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    milestones = list(queryset)
    found_ids = {m.public_id for m in milestones}
    missing = [p for p in public_ids if p not in found_ids]
    if missing and not missing_is_refusal:
        raise InvalidInput(
            "Some selected milestones do not exist or are not yours to see; nothing was changed.",
            errors={"ids": _named(missing)},
        )

    # One object per engagement, phase and person, shared by the rows (a plan has a handful
    # of each), with the seats that the rules ask about.
    engagements: dict[int, Engagement] = {
        e.pk: e for e in Engagement.objects.filter(pk__in={m.engagement_id for m in milestones})
    }
    phases: dict[int, Phase] = {
        p.pk: p for p in Phase.objects.filter(pk__in={m.phase_id for m in milestones})
    }
    users = {actor.pk: actor} | {person.pk: person for person in people}
    named = {m.owner_id for m in milestones} | {m.completed_by_id for m in milestones}
    known = {u.pk: u for u in User.objects.filter(pk__in=named - {None})} | users
    for milestone in milestones:
        milestone.engagement = engagements[milestone.engagement_id]
        milestone.phase = phases[milestone.phase_id]
        milestone.owner = known[milestone.owner_id]
        milestone.completed_by = known.get(milestone.completed_by_id)
    seats: dict[tuple[int, int], EngagementMember] = {
        (seat.engagement_id, seat.user_id): seat
        for seat in EngagementMember.objects.filter(
            engagement_id__in=list(engagements), user_id__in=list(users)
        ).only("id", "side", "role", "user_id", "engagement_id")
    }
    for engagement in engagements.values():
        cache = engagement.__dict__.setdefault("_seat_cache", {})
        for user_id in users:
            cache[user_id] = seats.get((engagement.pk, user_id))
    _check_editable(actor=actor, engagements=list(engagements.values()))

    # The phases as they are now, locked against their gates' approval until the change ends.
    if lock and phases:
        statuses = dict(
            Phase.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(phases))
            .order_by("pk")
            .values_list("pk", "status")
        )
        for phase in phases.values():
            phase.status = statuses.get(phase.pk, phase.status)

    pks = [m.pk for m in milestones]
    dependencies: dict[int, list[Milestone]] = {}
    for milestone_id, public_id, title, status in MilestoneDependency.objects.filter(
        milestone_id__in=pks
    ).values_list(
        "milestone_id", "depends_on__public_id", "depends_on__title", "depends_on__status"
    ):
        dependencies.setdefault(milestone_id, []).append(
            Milestone(public_id=public_id, title=title, status=status)
        )
    done_dependents: dict[int, list[str]] = {}
    for depends_on_id, title in (
        MilestoneDependency.objects.filter(
            depends_on_id__in=pks, milestone__status=Milestone.Status.DONE
        )
        .order_by("milestone__due_date", "milestone_id")
        .values_list("depends_on_id", "milestone__title")
    ):
        done_dependents.setdefault(depends_on_id, []).append(title)
    for milestone in milestones:
        milestone._audit_values = {
            "depends_on": sorted(str(d.public_id) for d in dependencies.get(milestone.pk, []))
        }
    return _Loaded(
        milestones=milestones, dependencies=dependencies, done_dependents=done_dependents
    )


def _check_editable(*, actor: User, engagements: list[Engagement]) -> None:
    """A selection is changed only when the actor may change every engagement it touches."""
    refused = sorted(e.name for e in engagements if not can_edit(user=actor, engagement=e))
    if refused:
        names = ", ".join(f"“{name}”" for name in refused)
        raise NotAllowed(
            f"You may not change the milestones of {names}: only members who are not viewers "
            "change a plan. Unselect them; nothing was changed."
        )


# --- The rules, per milestone ----------------------------------------------------------------


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name == "status":
        return Milestone.Status(value).label
    if name == "due_date":
        return value.strftime("%-d %b %Y")
    return str(value)


def _value(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, User):
        return str(value.public_id)
    return value


def _judge(
    *, actor: User, milestone: Milestone, changes: dict[str, Any], loaded: _Loaded
) -> ItemResult:
    """The verdict of ``update_milestone``'s rules on ``changes`` to ``milestone`` (changed in
    memory; only an allowed one is saved)."""
    was_done = milestone.status == Milestone.Status.DONE
    shown = {
        name: [_shown(name, getattr(milestone, name)), _shown(name, value)]
        for name, value in changes.items()
        if getattr(milestone, name) != value
    }
    if not shown:
        return ItemResult(milestone=milestone, outcome="unchanged")
    values = {
        name: [_value(getattr(milestone, name)), _value(value)]
        for name, value in changes.items()
        if name in shown
    }
    try:
        check_not_locked(milestone=milestone, changes=changes)
        for name, value in changes.items():
            setattr(milestone, name, value)
        if "due_date" in changes:
            check_due_date(engagement=milestone.engagement, due_date=milestone.due_date)
        if "owner" in changes:
            check_owner(engagement=milestone.engagement, owner=milestone.owner)
        if milestone.status == Milestone.Status.DONE and not was_done:
            check_can_be_done(
                milestone=milestone, depends_on=loaded.dependencies.get(milestone.pk, [])
            )
            milestone.completed_at, milestone.completed_by = loaded.now, actor
        elif milestone.status == Milestone.Status.DONE:
            check_evidence(milestone=milestone)
        elif was_done:
            check_can_be_reopened(
                milestone=milestone, done_dependents=loaded.done_dependents.get(milestone.pk, [])
            )
            milestone.completed_at, milestone.completed_by = None, None
    except DomainError as refusal:
        reasons = [refusal.message]
        for messages in getattr(refusal, "errors", {}).values():
            reasons += [m for m in messages if m not in reasons]
        return ItemResult(
            milestone=milestone, outcome="refused", reasons=reasons, changes=shown, values=values
        )
    return ItemResult(milestone=milestone, outcome="change", changes=shown, values=values)


def _judge_all(
    *,
    actor: User,
    loaded: _Loaded,
    changes_of: Callable[[Milestone], dict[str, Any]],
) -> list[tuple[ItemResult, dict[str, Any]]]:
    judged = []
    for milestone in loaded.milestones:
        before = audit.snapshot(milestone)
        judged.append(
            (
                _judge(
                    actor=actor, milestone=milestone, changes=changes_of(milestone), loaded=loaded
                ),
                before,
            )
        )
    return judged


# --- Preview, change, undo --------------------------------------------------------------------


def preview_bulk_change(
    *, actor: User, ids: Sequence[Any], change: BulkChange, mode: str = ALL_OR_NOTHING
) -> BulkResult:
    """What ``apply_bulk_change`` would do to each milestone, and why not; writes nothing."""
    ids = check_selection(ids)
    fields = check_change(change)
    people = [change.owner] if change.owner is not None else []
    loaded = _load(actor=actor, public_ids=ids, people=people, lock=False)
    judged = _judge_all(actor=actor, loaded=loaded, changes_of=lambda _: fields)
    return BulkResult(items=[item for item, _ in judged], mode=mode)


@operation(OPERATION, tenant_of="tenant")
def apply_bulk_change(
    *,
    actor: User,
    tenant: Tenant,
    ids: Sequence[Any],
    change: BulkChange,
    mode: str = ALL_OR_NOTHING,
) -> BulkResult:
    """Change every selected milestone, or none while any refuses (``mode`` ``allowed``
    changes the others): one UPDATE, one insert of events, one correlation id."""
    if mode not in MODES:
        raise InvalidInput("No such mode.", errors={"mode": [f"Choose {' or '.join(MODES)}."]})
    ids = check_selection(ids)
    fields = check_change(change)
    people = [change.owner] if change.owner is not None else []
    loaded = _load(actor=actor, public_ids=ids, people=people, lock=True)
    judged = _judge_all(actor=actor, loaded=loaded, changes_of=lambda _: fields)
    result = BulkResult(items=[item for item, _ in judged], mode=mode)
    if result.refused and mode == ALL_OR_NOTHING:
        raise BulkRefused(
            f"{result.refused} of {len(result.items)} milestones refuse this change; nothing "
            "was changed (choose “apply to the allowed ones” to change the others)",
            result=result,
        )
    changing = [(item.milestone, before) for item, before in judged if item.outcome == "change"]
    if not changing:
        return result
    now = loaded.now
    values: dict[str, Any] = dict(fields)
    if "status" in fields and fields["status"] == Milestone.Status.DONE:
        # Those already done keep when and by whom they were completed.
        done = Milestone.Status.DONE
        values["completed_at"] = Case(When(status=done, then=F("completed_at")), default=Value(now))
        values["completed_by"] = Case(
            When(status=done, then=F("completed_by")), default=Value(actor.pk)
        )
    elif "status" in fields:
        values["completed_at"], values["completed_by"] = None, None
    Milestone.objects.filter(pk__in=[m.pk for m, _ in changing]).update(
        **values, version=F("version") + 1, updated_at=now
    )
    audit.record_many_updated(actor=actor, changed=_after(changing, now), note="Bulk change")
    result.applied = True
    result.operation = audit.current_correlation_id()
    result.undo_until = now + UNDO_WINDOW
    return result


def _after(
    changing: list[tuple[Milestone, dict[str, Any]]], now: datetime.datetime | None
) -> list[tuple[Milestone, dict[str, Any], dict[str, Any]]]:
    """Each changed milestone, a new version, with its snapshots before and after (only the
    fields a bulk change touches are read again)."""
    changed = []
    for milestone, before in changing:
        milestone.version += 1
        if now is not None:
            milestone.updated_at = now
        after = before | audit.snapshot(milestone, fields=(*RESTORED, "version"))
        changed.append((milestone, before, after))
    return changed


def _undo_note(operation_id: uuid.UUID) -> str:
    return f"Undoes bulk change {operation_id}"


def _events_of(*, actor: User, operation_id: uuid.UUID) -> list[Event]:
    events = list(
        Event.objects.filter(
            correlation_id=operation_id,
            operation=OPERATION,
            actor=actor,
            object_type=Milestone.AUDIT_TYPE,
        ).order_by("id")
    )
    if not events:
        raise NotFound("No such bulk change.")
    return events


@dataclass(frozen=True)
class BulkChangeRecord:
    """A bulk change as its undo page shows it."""

    operation: uuid.UUID
    occurred_at: datetime.datetime
    undo_until: datetime.datetime
    undone: bool
    events: list[Event]

    @property
    def undoable(self) -> bool:
        return not self.undone and timezone.now() <= self.undo_until


def bulk_change_of(*, actor: User, operation_id: uuid.UUID) -> BulkChangeRecord:
    """The actor's bulk change ``operation_id`` in the active tenant (another's is NotFound)."""
    events = _events_of(actor=actor, operation_id=operation_id)
    undone = Event.objects.filter(
        operation=UNDO_OPERATION,
        note=_undo_note(operation_id),
        occurred_at__gte=events[0].occurred_at,
    ).exists()
    return BulkChangeRecord(
        operation=operation_id,
        occurred_at=events[0].occurred_at,
        undo_until=events[0].occurred_at + UNDO_WINDOW,
        undone=undone,
        events=events,
    )


def _restored(value: Any, name: str, people: dict[str, User]) -> Any:
    if value is None:
        return None
    if name in {"owner", "completed_by"}:
        return people.get(value)
    if name == "due_date":
        return parse_date(value)
    if name == "completed_at":
        return parse_datetime(value)
    return value


@operation(UNDO_OPERATION, tenant_of="tenant")
def undo_bulk_change(*, actor: User, tenant: Tenant, operation_id: uuid.UUID) -> BulkResult:
    """Put back what bulk change ``operation_id`` changed: the actor's own, within
    ``UNDO_WINDOW``, once, and only while nobody edited those milestones since (they are
    named); all or nothing, one operation of its own."""
    record = bulk_change_of(actor=actor, operation_id=operation_id)
    if record.undone:
        raise RuleBroken("This bulk change was already undone.")
    if timezone.now() > record.undo_until:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise RuleBroken(
            f"This bulk change is more than {minutes} minutes old: it can no longer be undone. "
            "Change the milestones again instead."
        )
    by_id = {event.object_id: event for event in record.events}
    old_people = {
        pair[0]
        for event in record.events
        for name in ("owner", "completed_by")
        if (pair := event.changes.get(name)) and pair[0]
    }
    people = {str(u.public_id): u for u in User.objects.filter(public_id__in=old_people)}
    loaded = _load(
        actor=actor,
        public_ids=[uuid.UUID(object_id) for object_id in by_id],
        people=people.values(),
        lock=True,
        missing_is_refusal=True,
    )
    present = {str(m.public_id) for m in loaded.milestones}
    gone = [event.object_label for event in record.events if event.object_id not in present]
    edited = [
        f"“{m.title}” (version {m.version}, the bulk change left version "
        f"{by_id[str(m.public_id)].snapshot.get('version')})"
        for m in loaded.milestones
        if m.version != by_id[str(m.public_id)].snapshot.get("version")
    ]
    if gone or edited:
        raise ItemsOpen(
            "The bulk change cannot be undone: someone changed these milestones since "
            "(nothing was undone)",
            items=edited + [f"“{label}” (deleted)" for label in gone],
        )

    def changes_of(milestone: Milestone) -> dict[str, Any]:
        event = by_id[str(milestone.public_id)]
        return {
            name: _restored(pair[0], name, people)
            for name, pair in event.changes.items()
            if name in CHANGEABLE
        }

    judged = _judge_all(actor=actor, loaded=loaded, changes_of=changes_of)
    result = BulkResult(items=[item for item, _ in judged])
    if result.refused:
        raise BulkRefused("The bulk change cannot be undone (nothing was undone)", result=result)
    now = timezone.now()
    changing = []
    for item, before in judged:
        milestone = item.milestone
        event = by_id[str(milestone.public_id)]
        # Completion comes back as it was, not as "completed now by the undoer".
        for name in ("completed_at", "completed_by"):
            if name in event.changes:
                setattr(milestone, name, _restored(event.changes[name][0], name, people))
        if item.outcome == "change":
            milestone.updated_at = now
            changing.append((milestone, before))
    changed = _after(changing, None)
    Milestone.objects.bulk_update(
        [m for m, _ in changing], [*RESTORED, "version", "updated_at"], batch_size=MAX_ITEMS
    )
    audit.record_many_updated(actor=actor, changed=changed, note=_undo_note(operation_id))
    result.applied = True
    result.operation = audit.current_correlation_id()
    return result


def last_undoable_bulk_change(*, actor: User) -> uuid.UUID | None:
    """The actor's latest bulk change in the active tenant, while it may still be undone."""
    latest = (
        Event.objects.filter(
            actor=actor,
            operation=OPERATION,
            occurred_at__gte=timezone.now() - UNDO_WINDOW,
        )
        .order_by("-id")
        .values_list("correlation_id", flat=True)
        .first()
    )
    if latest is None:
        return None
    if Event.objects.filter(operation=UNDO_OPERATION, note=_undo_note(latest)).exists():
        return None
    return latest


# --- What pages show ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    public_id: str
    name: str


def owner_choices(*, engagement_ids: Iterable[int]) -> list[Person]:
    """The people seated on these engagements, by name: whom a bulk change may name as owner
    (one query; the rules still ask, per milestone, whether they sit on its engagement)."""
    seen: dict[str, Person] = {}
    for seat in (
        EngagementMember.objects.filter(engagement_id__in=list(engagement_ids))
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user_id")
    ):
        key = str(seat.user.public_id)
        seen.setdefault(key, Person(public_id=key, name=str(seat.user)))
    return list(seen.values())


def chosen_person(*, tenant_id: int, public_id: Any) -> list[Person]:
    """The person a refused form named as owner, to show it again (none when it names nobody
    of the tenant)."""
    try:
        person = person_in_tenant(tenant_id=tenant_id, public_id=uuid.UUID(str(public_id)))
    except (InvalidInput, ValueError):
        return []
    return [Person(public_id=str(person.public_id), name=str(person))]


def bar_context(
    *, engagement_ids: Iterable[int], next_url: str, actor: User | None = None
) -> dict[str, Any]:
    """What a page with the bulk bar (``milestones/partials/bulk_bar.html``) gives it: with
    ``actor``, also their last bulk change while it may still be undone (one query, two when
    there is a recent one), so the bar offers its Undo."""
    return {
        "bulk_statuses": Milestone.Status.choices,
        "bulk_owners": owner_choices(engagement_ids=engagement_ids),
        "bulk_next": next_url,
        "bulk_undoable": last_undoable_bulk_change(actor=actor) if actor is not None else None,
    }


@dataclass(frozen=True)
class ChangedItem:
    title: str
    changes: list[tuple[str, str, str]]  # label, old, new


LABELS = {"status": "Status", "owner": "Owner", "due_date": "Due date"}


def describe_events(events: list[Event]) -> list[ChangedItem]:
    """A bulk change's events as a page lists them: each milestone's fields, old and new (the
    people named in one query)."""
    names = {
        str(u.public_id): str(u)
        for u in User.objects.filter(
            public_id__in={
                value for event in events for value in event.changes.get("owner", []) if value
            }
        )
    }

    def shown(name: str, value: Any) -> str:
        if value is None:
            return "—"
        if name == "owner":
            return names.get(value, "someone")
        if name == "due_date":
            return _shown(name, parse_date(value))
        return _shown(name, value)

    return [
        ChangedItem(
            title=event.object_label,
            changes=[
                (label, shown(name, event.changes[name][0]), shown(name, event.changes[name][1]))
                for name, label in LABELS.items()
                if name in event.changes
            ],
        )
        for event in events
    ]
