"""What the roster's pages read: the heat map of people x requirements by wave with its counts
and filters, a person's records, a batch's waiting steps.

The heat map is computed in a constant number of queries whatever the roster's size
(requirements, waves, people, results, access steps); readiness itself comes from
``roster.readiness``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import mark_safe

from roster.models import AccessBatch, AccessStep, Person, Requirement, Result, Wave
from roster.readiness import Cell, Readiness, readiness_of, requirements_by_role

# How each state reads in a heat map cell: the short mark, and the words.
MARKS = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
    "none": ("·", "not yet"),
    "requested": ("R", "requested, waiting on the client's approval"),
    "approved": ("A", "approved, waiting on the provider to provision"),
    "provisioned": ("P", "provisioned, waiting on the provider to verify"),
    "verified": ("✓", "verified"),
    "refused": ("✗", "refused by the client"),
}
SYSTEM_NONE = ("·", "not requested yet")
NOT_REQUIRED = ("", "not required of this role")

SIDES = (("client", "Client"), ("provider", "Provider"))
STATUS_WORDS = {value: str(label).lower() for value, label in Person.Status.choices}


def role_label(role: str) -> str:
    return role.replace("-", " ").replace("_", " ").capitalize()


@dataclass(frozen=True)
class Column:
    kind: str
    key: str
    name: str

    @property
    def track(self) -> str:
        return "client" if self.kind == Requirement.Kind.SYSTEM else "provider"


@dataclass
class Row:
    readiness: Readiness
    # The row's heat map cells as markup. Drawn here rather than by a template loop: at 2,000
    # people x 17 requirements the loop's per-cell lookups were most of the page's time.
    cells_html: str
    waiting_on: frozenset[str]
    overdue: bool
    certified: bool
    verified: bool

    @property
    def person(self) -> Person:
        return self.readiness.person

    @property
    def ready(self) -> bool:
        return self.readiness.ready

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.person.status]

    @property
    def waiting_class(self) -> str:
        return self.waiting_words.replace(" ", "-").replace("—", "none")

    @property
    def waiting_words(self) -> str:
        if self.ready:
            return "ready"
        return " and ".join(side for side, _label in SIDES if side in self.waiting_on) or "—"


@dataclass
class WaveBlock:
    wave: Wave
    rows: list[Row] = field(default_factory=list)  # the rows the filters keep
    total: int = 0  # on the roster (not left), whatever the filters
    ready: int = 0
    certified: int = 0
    verified: int = 0
    waiting_on_client: int = 0
    waiting_on_provider: int = 0
    shown: bool = True


@dataclass
class Board:
    columns: list[Column]
    waves: list[WaveBlock]
    roles: list[str]
    today: datetime.date

    @property
    def provider_columns(self) -> int:
        return sum(1 for column in self.columns if column.track == "provider")

    @property
    def client_columns(self) -> int:
        return sum(1 for column in self.columns if column.track == "client")

    @property
    def rows_shown(self) -> int:
        return sum(len(block.rows) for block in self.waves if block.shown)


def columns_of(requirements: dict[str, list[Requirement]]) -> list[Column]:
    """One column per module, the certification, one per system: the union over the roles, the
    provider's track (modules, certification) first, then the client's (systems)."""
    order = {Requirement.Kind.MODULE: 0, Requirement.Kind.CERTIFICATION: 1}
    seen: dict[tuple[str, str], tuple[int, int, Column]] = {}
    for role_requirements in requirements.values():
        for requirement in role_requirements:
            identity = (requirement.kind, requirement.key)
            if identity in seen:
                continue
            name = (
                "Certification"
                if requirement.kind == Requirement.Kind.CERTIFICATION
                else requirement.name
            )
            seen[identity] = (
                order.get(requirement.kind, 2),
                len(seen),
                Column(kind=requirement.kind, key=requirement.key, name=name),
            )
    return [column for _kind, _index, column in sorted(seen.values(), key=lambda v: v[:2])]


class Cells:
    """Draws heat map cells: one ``<td>`` per (column, state), escaped once and reused."""

    def __init__(self, columns: list[Column]) -> None:
        self.columns = columns
        self.index = {(column.kind, column.key): number for number, column in enumerate(columns)}
        self.drawn: dict[tuple[int, str, str], str] = {}
        mark, words = NOT_REQUIRED
        self.empty = f'<td class="rc rc-na" title="{escape(words)}">{mark}</td>'

    def cell(self, number: int, cell: Cell) -> str:
        requirement = cell.requirement
        key = (number, cell.state, requirement.name)
        drawn = self.drawn.get(key)
        if drawn is None:
            if requirement.kind == Requirement.Kind.SYSTEM and cell.state == "none":
                mark, words = SYSTEM_NONE
            else:
                mark, words = MARKS.get(cell.state, ("?", cell.state))
            title = escape(f"{requirement.name}: {words}")
            drawn = self.drawn[key] = f'<td class="rc rc-{cell.state}" title="{title}">{mark}</td>'
        return drawn

    def row(self, readiness: Readiness) -> str:
        cells = [self.empty] * len(self.columns)
        for cell in readiness.cells:
            number = self.index[(cell.requirement.kind, cell.requirement.key)]
            cells[number] = self.cell(number, cell)
        return mark_safe("".join(cells))  # noqa: S308 (names escaped; states and marks are ours)


def row_of(readiness: Readiness, cells: Cells, today: datetime.date) -> Row:
    waiting = frozenset(cell.waiting_on for cell in readiness.missing if cell.waiting_on)
    person = readiness.person
    certified = all(
        cell.done
        for cell in readiness.cells
        if cell.requirement.kind == Requirement.Kind.CERTIFICATION
    )
    verified = all(
        cell.done for cell in readiness.cells if cell.requirement.kind == Requirement.Kind.SYSTEM
    )
    overdue = (
        person.status in Person.ON_ROSTER
        and person.start_date < today
        and not readiness.ready
        and person.status != Person.Status.LIVE
    )
    return Row(
        readiness=readiness,
        cells_html=cells.row(readiness),
        waiting_on=waiting,
        overdue=overdue,
        certified=certified,
        verified=verified,
    )


@dataclass(frozen=True)
class Filters:
    wave: int | None = None
    role: str | None = None
    waiting: str | None = None  # client or provider
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.wave or self.role or self.waiting or self.overdue)

    def keeps(self, row: Row) -> bool:
        person = row.person
        if self.role and person.role != self.role:
            return False
        if self.waiting and self.waiting not in row.waiting_on:
            return False
        return not (self.overdue and not row.overdue)


# What the heat map reads of a person (a full row is twice the work per instance).
BOARD_FIELDS = (
    "id",
    "tenant_id",
    "public_id",
    "engagement_id",
    "wave_id",
    "name",
    "role",
    "start_date",
    "status",
)


def board(
    engagement,
    *,
    filters: Filters = Filters(),
    waves: list[Wave] | None = None,
    requirements: dict[str, list[Requirement]] | None = None,
) -> Board:
    """The heat map of the whole roster, by wave, with each wave's counts (five queries; three
    when the caller has the waves and the requirements already)."""
    today = engagement.today()
    if requirements is None:
        requirements = requirements_by_role(engagement)
    columns = columns_of(requirements)
    if waves is None:
        waves = list(Wave.objects.filter(engagement=engagement).order_by("number"))
    people = (
        Person.objects.filter(engagement=engagement)
        .only(*BOARD_FIELDS)
        .order_by("wave_id", "name", "id")
    )
    blocks = {wave.pk: WaveBlock(wave=wave) for wave in waves}
    cells = Cells(columns)
    for readiness in readiness_of(people, engagement=engagement, requirements=requirements):
        person = readiness.person
        block = blocks[person.wave_id]
        person.wave = block.wave  # no query per person for its wave
        row = row_of(readiness, cells, today)
        if person.status in Person.ON_ROSTER:
            block.total += 1
            block.ready += row.ready
            block.certified += row.certified
            block.verified += row.verified
            block.waiting_on_client += "client" in row.waiting_on
            block.waiting_on_provider += "provider" in row.waiting_on
        if filters.keeps(row):
            block.rows.append(row)
    for block in blocks.values():
        block.shown = filters.wave is None or block.wave.number == filters.wave
    return Board(
        columns=columns,
        waves=list(blocks.values()),
        roles=sorted(requirements),
        today=today,
    )


# --- A person's page ------------------------------------------------------------------------


def person_results(person: Person) -> QuerySet[Result]:
    """Every attempt, failed ones too, by requirement then attempt."""
    return (
        Result.objects.filter(person=person)
        .select_related("requirement", "assessor", "recorded_by")
        .order_by("requirement__position", "requirement_id", "attempt")
    )


STEP_RELATIONS = (
    "person__engagement",
    "person__wave",
    "system",
    "batch",
    "requested_by",
    "approved_by",
    "provisioned_by",
    "verified_by",
    "refused_by",
)


def steps_with_people(queryset: QuerySet[AccessStep]) -> QuerySet[AccessStep]:
    """Steps with everything their page and their audit snapshot read, in the one query."""
    return queryset.select_related(*STEP_RELATIONS)


def person_steps(person: Person) -> QuerySet[AccessStep]:
    return steps_with_people(AccessStep.objects.filter(person=person)).order_by(
        "system__position", "system_id"
    )


# --- Batches --------------------------------------------------------------------------------


@dataclass
class BatchSummary:
    batch: AccessBatch
    steps: list[AccessStep]
    now: datetime.datetime

    @property
    def waiting(self) -> list[AccessStep]:
        return [step for step in self.steps if step.status in AccessStep.WAITING]

    @property
    def oldest(self) -> AccessStep | None:
        waiting = self.waiting
        return min(waiting, key=lambda step: (step.waiting_since, step.pk)) if waiting else None

    def count(self, status: str) -> int:
        return sum(1 for step in self.steps if step.status == status)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.count(value)) for value, label in AccessStep.Status.choices]

    @property
    def waiting_on_client(self) -> int:
        return sum(1 for step in self.steps if step.waiting_on == "client")

    @property
    def waiting_on_provider(self) -> int:
        return sum(1 for step in self.steps if step.waiting_on == "provider")

    @property
    def count_requested(self) -> int:
        return self.count(AccessStep.Status.REQUESTED)

    @property
    def count_approved(self) -> int:
        return self.count(AccessStep.Status.APPROVED)

    @property
    def count_provisioned(self) -> int:
        return self.count(AccessStep.Status.PROVISIONED)

    @property
    def count_verified(self) -> int:
        return self.count(AccessStep.Status.VERIFIED)

    @property
    def count_refused(self) -> int:
        return self.count(AccessStep.Status.REFUSED)

    @property
    def oldest_waited(self) -> str:
        oldest = self.oldest
        return waited(oldest.waiting_since, self.now) if oldest else ""

    def at(self, status: str) -> list[AccessStep]:
        return [step for step in self.steps if step.status == status]


def waited(since: datetime.datetime, now: datetime.datetime) -> str:
    """How long something has waited, in words: "3 days", "5 hours", "under an hour"."""
    seconds = max((now - since).total_seconds(), 0)
    days = int(seconds // 86400)
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


def batch_steps(batch: AccessBatch) -> list[AccessStep]:
    return list(
        steps_with_people(AccessStep.objects.filter(batch=batch)).order_by(
            "person__name", "person_id", "system__position", "system_id"
        )
    )


def batch_summary(batch: AccessBatch) -> BatchSummary:
    return BatchSummary(batch=batch, steps=batch_steps(batch), now=timezone.now())


def batches_of(engagement) -> list[BatchSummary]:
    """Every batch of the engagement with its steps (two queries)."""
    batches = list(
        AccessBatch.objects.filter(engagement=engagement)
        .select_related("wave", "requested_by")
        .order_by("-requested_at", "-id")
    )
    by_batch: dict[int, list[AccessStep]] = {batch.pk: [] for batch in batches}
    for step in (
        AccessStep.objects.filter(batch__engagement=engagement)
        .select_related("system")
        .only("id", "batch_id", "status", "waiting_since", "system__name", "person_id")
    ):
        by_batch.setdefault(step.batch_id, []).append(step)
    now = timezone.now()
    return [BatchSummary(batch=batch, steps=by_batch[batch.pk], now=now) for batch in batches]


def chosen(queryset: QuerySet, public_ids: Iterable[str]) -> QuerySet:
    """The rows of ``queryset`` named by ``public_ids`` (malformed ids are ignored)."""
    import uuid

    ids = []
    for value in public_ids:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return queryset.filter(public_id__in=ids)
