from __future__ import annotations

import datetime
import json
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Field, Func, OuterRef, QuerySet, Subquery, TextField
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst

from accounts.models import User
from audit.models import Event
from audit.selectors import history_of
from engagements.models import Engagement, EngagementMember, Phase
from kernel.errors import NotFound
from milestones.models import EvidenceFile, Milestone, MilestoneComment, MilestoneDependency


def visible_milestones(*, actor: User) -> QuerySet[Milestone]:
    return Milestone.objects.visible_to(actor).select_related("engagement", "phase", "owner")


def get_milestone(*, actor: User, public_id: uuid.UUID | str) -> Milestone:
    milestone = visible_milestones(actor=actor).filter(public_id=public_id).first()
    if milestone is None:
        raise NotFound("No such milestone.")
    return milestone


def open_dependencies(*, milestone: Milestone) -> list[Milestone]:
    return list(milestone.depends_on.filter(status__in=Milestone.OPEN).order_by("due_date"))


# --- The milestone page ----------------------------------------------------------------------


def get_milestone_of_engagement(
    *, actor: User, engagement_id: uuid.UUID | str, milestone_id: uuid.UUID | str
) -> Milestone:
    """One milestone the actor may see, named with its engagement (both from the URL): a
    milestone of another engagement or tenant, or of one the actor is not in, is NotFound."""
    milestone = (
        visible_milestones(actor=actor)
        .select_related("completed_by")
        .filter(engagement__public_id=engagement_id, public_id=milestone_id)
        .first()
    )
    if milestone is None:
        raise NotFound("No such milestone.")
    return milestone


def get_phase_of_engagement(
    *, actor: User, engagement_id: uuid.UUID | str, phase_id: uuid.UUID | str
) -> Phase:
    phase = (
        Phase.objects.visible_to(actor)
        .select_related("engagement")
        .filter(engagement__public_id=engagement_id, public_id=phase_id)
        .first()
    )
    if phase is None:
        raise NotFound("No such phase.")
    return phase


def get_evidence_file(
    *,
    actor: User,
    engagement_id: uuid.UUID | str,
    milestone_id: uuid.UUID | str,
    file_id: uuid.UUID | str,
) -> EvidenceFile:
    """A file of a milestone the actor may see; anything else is NotFound (never 403)."""
    evidence = (
        EvidenceFile.objects.visible_to(actor)
        .select_related("milestone__engagement", "milestone__phase", "uploaded_by")
        .filter(
            public_id=file_id,
            milestone__public_id=milestone_id,
            milestone__engagement__public_id=engagement_id,
        )
        .first()
    )
    if evidence is None:
        raise NotFound("No such file.")
    return evidence


def engagement_members(*, engagement: Engagement) -> list[EngagementMember]:
    """Who may own a milestone of the engagement: its seated members."""
    return list(
        EngagementMember.objects.filter(engagement=engagement)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def dependency_candidates(*, phase: Phase, milestone: Milestone | None = None):
    """Milestones a milestone of ``phase`` may depend on: its own phase or an earlier one."""
    candidates = Milestone.objects.filter(
        engagement_id=phase.engagement_id, phase__position__lte=phase.position
    ).select_related("phase")
    if milestone is not None:
        candidates = candidates.exclude(pk=milestone.pk)
    return candidates.order_by("phase__position", "due_date", "id")


def comments_of(*, milestone: Milestone) -> list[MilestoneComment]:
    return list(
        MilestoneComment.objects.filter(milestone=milestone)
        .select_related("author")
        .order_by("created_at", "id")
    )


def files_of(*, milestone: Milestone) -> list[EvidenceFile]:
    return list(
        EvidenceFile.objects.filter(milestone=milestone)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )


@dataclass(frozen=True)
class MilestonePage:
    milestone: Milestone
    dependencies: list[Milestone]
    dependents: list[Milestone]
    history: list[HistoryEntry]
    comments: list[MilestoneComment]
    files: list[EvidenceFile]


def milestone_page(
    *, actor: User, engagement_id: uuid.UUID | str, milestone_id: uuid.UUID | str
) -> MilestonePage:
    """Everything the milestone page shows, in a number of queries that does not grow with
    its history, comments, files or dependencies."""
    milestone = get_milestone_of_engagement(
        actor=actor, engagement_id=engagement_id, milestone_id=milestone_id
    )
    return MilestonePage(
        milestone=milestone,
        dependencies=list(
            milestone.depends_on.select_related("phase", "owner").order_by("due_date", "id")
        ),
        dependents=list(
            milestone.dependents.select_related("phase", "owner").order_by("due_date", "id")
        ),
        history=milestone_history(milestone=milestone),
        comments=comments_of(milestone=milestone),
        files=files_of(milestone=milestone),
    )


# --- History in words ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    action: str  # created, updated, deleted
    actor: User | None
    occurred_at: datetime.datetime
    changes: list[HistoryChange]
    note: str

    @property
    def summary(self) -> str:
        if self.action == Event.Action.CREATED:
            return "created the milestone"
        if self.action == Event.Action.DELETED:
            return "deleted the milestone"
        return "changed " + ", ".join(change.label.lower() for change in self.changes)


# Internal fields the trail keeps but a reader does not need.
HISTORY_HIDDEN = {"engagement", "version"}
HISTORY_LABELS = {
    "depends_on": "Dependencies",
    "external_id": "External ID",
    "completed_at": "Completed at",
    "evidence": "Evidence text",
}
NOTHING = "—"


def _label(field: str) -> str:
    if field in HISTORY_LABELS:
        return HISTORY_LABELS[field]
    return capfirst(Milestone._meta.get_field(field).verbose_name)


class _Names:
    """The people, phases and milestones an event names by public id, loaded once for all
    events (three queries at most, however long the history)."""

    def __init__(self, events: list[Event]) -> None:
        users, phases, milestones = set(), set(), set()
        for event in events:
            for values in _value_sets(event):
                for field in ("owner", "completed_by"):
                    if values.get(field):
                        users.add(values[field])
                if values.get("phase"):
                    phases.add(values["phase"])
                milestones.update(values.get("depends_on") or [])
        self.users = (
            {str(u.public_id): str(u) for u in User.objects.filter(public_id__in=users)}
            if users
            else {}
        )
        self.phases = (
            {
                str(public_id): Phase.Kind(kind).label
                for public_id, kind in Phase.objects.filter(public_id__in=phases).values_list(
                    "public_id", "kind"
                )
            }
            if phases
            else {}
        )
        self.milestones = (
            {
                str(public_id): title
                for public_id, title in Milestone.objects.filter(
                    public_id__in=milestones
                ).values_list("public_id", "title")
            }
            if milestones
            else {}
        )


def _value_sets(event: Event) -> list[dict[str, Any]]:
    old = {field: pair[0] for field, pair in (event.changes or {}).items()}
    new = {field: pair[1] for field, pair in (event.changes or {}).items()}
    return [event.snapshot or {}, old, new]


def _in_words(field: str, value: Any, names: _Names, time_zone: str) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if field in {"owner", "completed_by"}:
        return names.users.get(value, "a former member")
    if field == "phase":
        return names.phases.get(value, "another phase")
    if field == "depends_on":
        titles = [names.milestones.get(public_id, "a deleted milestone") for public_id in value]
        return ", ".join(titles)
    if field == "status":
        return Milestone.Status(value).label if value in Milestone.Status.values else str(value)
    if field == "side":
        return Milestone.Side(value).label if value in Milestone.Side.values else str(value)
    if field == "due_date":
        return date_format(datetime.date.fromisoformat(value), "j M Y")
    if field == "completed_at":
        moment = datetime.datetime.fromisoformat(value)
        local = timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone))
        return date_format(local, "j M Y, H:i")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _entry(event: Event, names: _Names, time_zone: str) -> HistoryEntry:
    if event.action == Event.Action.CREATED:
        # A creation has no old values: its own values are in the snapshot; blanks are left out.
        pairs = [
            (field, None, value)
            for field, value in (event.snapshot or {}).items()
            if value not in (None, "", [], False)
        ]
    else:
        pairs = [(field, old, new) for field, (old, new) in (event.changes or {}).items()]
    field_order = {field: index for index, field in enumerate(Milestone.AUDIT_FIELDS)}
    changes = [
        HistoryChange(
            label=_label(field),
            old=_in_words(field, old, names, time_zone),
            new=_in_words(field, new, names, time_zone),
        )
        for field, old, new in sorted(pairs, key=lambda pair: field_order.get(pair[0], 99))
        if field not in HISTORY_HIDDEN and field in field_order
    ]
    return HistoryEntry(
        action=event.action,
        actor=event.actor,
        occurred_at=event.occurred_at,
        changes=changes,
        note=event.note,
    )


def milestone_history(*, milestone: Milestone) -> list[HistoryEntry]:
    """The milestone's audit trail, oldest first, in words: field labels, people's names,
    phase and milestone titles, dates formatted in the engagement's time zone."""
    events = list(history_of(instance=milestone))
    names = _Names(events)
    time_zone = milestone.engagement.time_zone
    return [_entry(event, names, time_zone) for event in events]


# --- Milestones as the API shows them --------------------------------------------------------


class UuidText(Func):
    """A UUID column as its canonical text, computed by the database: a full sync reads
    hundreds of thousands of them, and parsing each into a Python UUID costs more than the
    query."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps a UUID as 32 hex digits.
        column, params = compiler.compile(self.source_expressions[0])
        parts = ("1, 8", "9, 4", "13, 4", "17, 4", "21, 12")
        sql = " || '-' || ".join(f"SUBSTR({column}, {part})" for part in parts)
        return f"({sql})", params * len(parts)


class _TextList(Field):
    """A list of strings, from a PostgreSQL array or an SQLite JSON array."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class DependencyIds(Subquery):
    """The public ids a milestone depends on, in order, inside the milestone's own query."""

    output_field = _TextList()

    def __init__(self) -> None:
        super().__init__(
            MilestoneDependency.objects.filter(milestone_id=OuterRef("pk"))
            .order_by("depends_on__public_id")
            .values(dependency=UuidText("depends_on__public_id"))
        )

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="ARRAY(%(subquery)s)")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(SELECT JSON_GROUP_ARRAY(dependency) FROM (%(subquery)s))",
        )


MILESTONE_COLUMNS = (
    "pk",
    "phase__kind",
    "title",
    "description",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_required",
    "external_id",
    "version",
    "created_at",
    "updated_at",
)


def milestone_rows(queryset: QuerySet[Milestone]) -> QuerySet:
    """Every column a milestone shows in the API, its dependencies included, in one query."""
    return queryset.values(
        *MILESTONE_COLUMNS,
        id_text=UuidText("public_id"),
        engagement_text=UuidText("engagement__public_id"),
        owner_text=UuidText("owner__public_id"),
        dependency_ids=DependencyIds(),
    )
