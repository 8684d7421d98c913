"""Every row of a plan file checked against the plan's rules, without writing anything.

Two modes: a file that creates an engagement (day 0 and the tenant come from the form) and a
file that re-plans one (rows find their milestone by external id). Each problem names its row
and column: an unknown owner, an owner who is not a member of the engagement, a dependency on a
later phase or on nothing, a cycle, a date before day 0, a duplicate external id, a missing
phase. A constant number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Lower

from accounts.models import Membership, Tenant, User
from engagements.models import Engagement, EngagementMember, Phase
from engagements.plan import day
from milestones.models import Milestone, MilestoneDependency
from plans.files import FIELD_BY_KEY, FIELDS, Sheet, text

PHASE_WORDS = {
    **{kind: kind for kind in Phase.ORDER},
    **{label.lower(): kind for kind, label in Phase.Kind.choices},
    "controlled go live": Phase.Kind.CONTROLLED_GO_LIVE,
    "go-live": Phase.Kind.CONTROLLED_GO_LIVE,
    "go live": Phase.Kind.CONTROLLED_GO_LIVE,
    "stabilization": Phase.Kind.STABILISATION,
    "kick-off": Phase.Kind.KICKOFF,
    "kick off": Phase.Kind.KICKOFF,
}
PHASE_LABELS = dict(Phase.Kind.choices)
SIDE_WORDS = {value: value for value, _ in Milestone.Side.choices} | {
    label.lower(): value for value, label in Milestone.Side.choices
}
YES = {"yes", "y", "true", "1", "x", "required"}
NO = {"no", "n", "false", "0", ""}
OFFSET = re.compile(r"^(?:day\s*|d\s*|\+)?(-?\d{1,4})$", re.IGNORECASE)
ROW_REFERENCE = re.compile(r"^(?:row\s*|#)(\d{1,5})$", re.IGNORECASE)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")
SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class RowError:
    number: int
    column: str
    reason: str


@dataclass
class PlannedRow:
    number: int
    phase: str
    title: str
    owner: User
    side: str
    due: datetime.date
    day: int
    evidence_required: bool
    external_id: str
    depends_on: list[str] = field(default_factory=list)  # keys: "row:N" or "milestone:<pk>"
    milestone: Milestone | None = None  # the milestone it changes (a re-plan)
    effect: str = "new"  # new, changed, unchanged
    changes: list[str] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def depends_label(self) -> str:
        """The rows it waits on, as the file numbers them (or "1 kept milestone")."""
        rows = [f"row {key[4:]}" for key in self.depends_on if key.startswith("row:")]
        kept = sum(1 for key in self.depends_on if key.startswith("milestone:"))
        return ", ".join([*rows, *([f"{kept} kept milestone{'s' * (kept > 1)}"] if kept else [])])

    @property
    def side_label(self) -> str:
        return Milestone.Side(self.side).label


@dataclass
class Checked:
    day0: datetime.date
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing: list[Milestone] = field(default_factory=list)  # in the engagement, not the file
    mapping_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors and not self.mapping_errors

    def count(self, effect: str) -> int:
        return sum(1 for row in self.rows if row.effect == effect)

    @property
    def rows_with_errors(self) -> int:
        return len({error.number for error in self.errors})


def mapping_problems(mapping: dict[str, int | None], header: list[str]) -> list[str]:
    problems = []
    for fld in FIELDS:
        index = mapping.get(fld.key)
        if index is None:
            if fld.required:
                problems.append(f"Choose the column that holds the {fld.header}.")
        elif not (0 <= index < len(header)):
            problems.append(f"The column chosen for the {fld.header} is not in the file.")
    used = [index for index in mapping.values() if index is not None]
    if len(used) != len(set(used)):
        problems.append("Each column of the file can feed one field only.")
    return problems


def _due(cell: Any, day0: datetime.date) -> tuple[datetime.date | None, str]:
    if isinstance(cell, datetime.datetime):
        return cell.date(), ""
    if isinstance(cell, datetime.date):
        return cell, ""
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        return day(day0, int(cell)), ""
    value = text(cell)
    if not value:
        return None, "Give a due date (YYYY-MM-DD) or a day offset from day 0 (e.g. 14)."
    offset = OFFSET.match(value)
    if offset:
        return day(day0, int(offset.group(1))), ""
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date(), ""
        except ValueError:
            continue
    return None, f"“{value[:40]}” is neither a date (YYYY-MM-DD) nor a day offset (e.g. 14)."


def _owners(*, tenant_id: int, emails: set[str]) -> dict[str, User]:
    """The tenant's members among the e-mails, by lower-cased e-mail (one query)."""
    found: dict[str, User] = {}
    for membership in (
        Membership.objects.filter(tenant_id=tenant_id)
        .annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails)
        .select_related("user")
    ):
        found.setdefault(membership.email_lower, membership.user)
    return found


def check(
    *,
    sheet: Sheet,
    mapping: dict[str, int | None],
    tenant: Tenant,
    day0: datetime.date,
    engagement: Engagement | None = None,
) -> Checked:
    checked = Checked(day0=day0)
    checked.mapping_errors = mapping_problems(mapping, sheet.header)
    if checked.mapping_errors:
        return checked

    def cell(cells: list[Any], key: str) -> Any:
        index = mapping.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    emails = {text(cell(cells, "owner")).lower() for _n, cells in sheet.rows} - {""}
    owners = _owners(tenant_id=tenant.pk, emails=emails)
    members: set[int] = set()
    existing: dict[str, Milestone] = {}
    engagement_milestones: list[Milestone] = []
    dependencies: dict[int, set[int]] = {}
    if engagement is not None:
        members = set(
            EngagementMember.objects.filter(engagement=engagement).values_list("user_id", flat=True)
        )
        engagement_milestones = list(
            Milestone.objects.filter(engagement=engagement)
            .select_related("phase", "owner")
            .order_by("phase__position", "due_date", "id")
        )
        for milestone in engagement_milestones:
            existing[str(milestone.public_id)] = milestone
            if milestone.external_id:
                existing[milestone.external_id] = milestone
        for source, target in MilestoneDependency.objects.filter(
            milestone__engagement=engagement
        ).values_list("milestone_id", "depends_on_id"):
            dependencies.setdefault(source, set()).add(target)
    file_ids = {text(cell(cells, "external_id")) for _n, cells in sheet.rows} - {""}
    # External ids are unique per tenant: another engagement's milestone may hold one.
    used_elsewhere = set(
        Milestone.objects.filter(external_id__in=file_ids)
        .exclude(engagement=engagement)
        .values_list("external_id", flat=True)
        if file_ids
        else []
    )

    rows: list[PlannedRow] = []
    references: dict[int, list[str]] = {}
    seen_ids: dict[str, int] = {}
    numbers = {number for number, _cells in sheet.rows}
    errors = checked.errors
    for number, cells in sheet.rows:
        before = len(errors)

        def refuse(key: str, reason: str, number: int = number) -> None:
            errors.append(RowError(number, FIELD_BY_KEY[key].header, reason))

        phase_word = text(cell(cells, "phase")).lower().replace("_", " ")
        phase = PHASE_WORDS.get(phase_word) or PHASE_WORDS.get(phase_word.replace(" ", "_"))
        if not phase_word:
            refuse("phase", "The phase is missing: name one of " + _phase_list() + ".")
        elif phase is None:
            refuse("phase", f"“{phase_word[:40]}” is not a phase: one of {_phase_list()}.")
        title = text(cell(cells, "title"))
        if not title:
            refuse("title", "The milestone has no title.")
        elif len(title) > 200:
            refuse("title", f"The title is {len(title)} characters; at most 200.")
        email = text(cell(cells, "owner")).lower()
        owner = owners.get(email)
        if not email:
            refuse("owner", "Name the owner (their e-mail): a person, never a team or a blank.")
        elif owner is None:
            refuse(
                "owner", f"Unknown owner: nobody with the e-mail {email[:80]} is in this tenant."
            )
        elif engagement is not None and owner.pk not in members:
            refuse("owner", f"{email} is not a member of this engagement: seat them first.")
        side_word = text(cell(cells, "side")).lower()
        side = SIDE_WORDS.get(side_word)
        if side is None:
            refuse(
                "side",
                f"“{side_word[:20]}” is not a side: client, provider or joint."
                if side_word
                else "Give the side: client, provider or joint.",
            )
        due, problem = _due(cell(cells, "due"), day0)
        if problem:
            refuse("due", problem)
        elif due < day0:
            refuse(
                "due",
                f"{due:%d %b %Y} is before day 0 (the contract signature, {day0:%d %b %Y}).",
            )
        evidence_word = text(cell(cells, "evidence_required")).lower()
        if evidence_word not in YES | NO:
            refuse("evidence_required", f"“{evidence_word[:20]}” is not yes or no.")
        external_id = text(cell(cells, "external_id"))
        if len(external_id) > 200:
            refuse("external_id", "The external id is longer than 200 characters.")
        elif external_id:
            earlier = seen_ids.setdefault(external_id, number)
            if earlier != number:
                refuse("external_id", f"Duplicate external id {external_id}: row {earlier} has it.")
            elif external_id in used_elsewhere:
                refuse(
                    "external_id",
                    f"Duplicate external id {external_id}: another engagement's milestone has it.",
                )
        references[number] = [
            part.strip() for part in SPLIT.split(text(cell(cells, "depends_on"))) if part.strip()
        ]
        if len(errors) > before:
            rows.append(None)  # type: ignore[arg-type]  # keeps the row's place; dropped below
            continue
        rows.append(
            PlannedRow(
                number=number,
                phase=phase,
                title=title,
                owner=owner,
                side=side,
                due=due,
                day=(due - day0).days,
                evidence_required=evidence_word in YES,
                external_id=external_id,
                milestone=existing.get(external_id) if external_id else None,
            )
        )

    # Dependencies: each reference is an external id of the file, a row of the file, or (a
    # re-plan) a milestone of the engagement that the file leaves out.
    by_number = {row.number: row for row in rows if row is not None}
    phase_of_row: dict[int, str | None] = {}
    for number, cells in sheet.rows:
        word = text(cell(cells, "phase")).lower().replace("_", " ")
        phase_of_row[number] = PHASE_WORDS.get(word) or PHASE_WORDS.get(word.replace(" ", "_"))
    row_of_pk = {row.milestone.pk: row.number for row in by_number.values() if row.milestone}
    in_file = {str(pk) for pk in row_of_pk}
    graph: dict[str, list[str]] = {}
    for number, _cells in sheet.rows:
        row = by_number.get(number)
        keys: list[str] = []
        for reference in references[number]:
            key, target_phase = None, None
            row_match = ROW_REFERENCE.match(reference)
            if reference in seen_ids:
                target = seen_ids[reference]
                key, target_phase = f"row:{target}", phase_of_row[target]
            elif row_match or reference.isdigit():
                target = int(row_match.group(1) if row_match else reference)
                if target in numbers:
                    key, target_phase = f"row:{target}", phase_of_row[target]
            elif reference in existing and existing[reference].pk in row_of_pk:
                target = row_of_pk[existing[reference].pk]
                key, target_phase = f"row:{target}", phase_of_row[target]
            elif reference in existing:
                milestone = existing[reference]
                key, target_phase = f"milestone:{milestone.pk}", milestone.phase.kind
            if key is None:
                errors.append(
                    RowError(
                        number,
                        "depends on",
                        f"“{reference[:40]}” is neither an external id nor a row of this file"
                        + (" nor a milestone of the engagement." if engagement else "."),
                    )
                )
                continue
            if key == f"row:{number}":
                errors.append(
                    RowError(number, "depends on", "A milestone cannot depend on itself.")
                )
                continue
            own_phase = phase_of_row[number]
            if (
                own_phase
                and target_phase
                and Phase.ORDER.index(target_phase) > Phase.ORDER.index(own_phase)
            ):
                errors.append(
                    RowError(
                        number,
                        "depends on",
                        f"{reference} is in a later phase ({PHASE_LABELS[target_phase]}) than "
                        f"this milestone ({PHASE_LABELS[own_phase]}).",
                    )
                )
                continue
            keys.append(key)
        graph[f"row:{number}"] = keys
        if row is not None:
            row.depends_on = keys
    # Edges among milestones the file leaves out stay; they can close a circle too.
    kept = {m.pk for m in engagement_milestones} - {int(pk) for pk in in_file}
    for source in kept:
        graph[f"milestone:{source}"] = [f"milestone:{t}" for t in dependencies.get(source, ())]
    row_of_milestone = {
        f"milestone:{row.milestone.pk}": f"row:{row.number}"
        for row in by_number.values()
        if row.milestone
    }
    for source, targets in graph.items():
        graph[source] = [row_of_milestone.get(t, t) for t in targets]
    for number in _in_cycles(graph):
        errors.append(
            RowError(number, "depends on", "A cycle: this milestone ends up depending on itself.")
        )

    errored = {error.number for error in errors}
    checked.rows = [row for row in rows if row is not None and row.number not in errored]
    if engagement is not None:
        _compare(checked, dependencies)
        matched = {row.milestone.pk for row in checked.rows if row.milestone}
        matched |= {
            existing[text(cell(cells, "external_id"))].pk
            for _n, cells in sheet.rows
            if text(cell(cells, "external_id")) in existing
        }
        checked.missing = [m for m in engagement_milestones if m.pk not in matched]
    errors.sort(key=lambda error: (error.number, error.column))
    return checked


def _phase_list() -> str:
    return ", ".join(label for _kind, label in Phase.Kind.choices)


def _in_cycles(graph: dict[str, list[str]]) -> list[int]:
    """The file's rows on a circle of dependencies (Tarjan's strongly connected components,
    iteratively: a 5,000-row chain must not reach Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[int] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found += [int(m[4:]) for m in component if m.startswith("row:")]
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(found)


def _compare(checked: Checked, dependencies: dict[int, set[int]]) -> None:
    """A re-plan: what each row changes on the milestone it names."""
    pk_of_row = {row.number: row.milestone.pk for row in checked.rows if row.milestone}
    for row in checked.rows:
        milestone = row.milestone
        if milestone is None:
            continue
        changes = []
        if milestone.phase.kind != row.phase:
            changes.append(f"phase {PHASE_LABELS[milestone.phase.kind]} → {row.phase_label}")
        if milestone.title != row.title:
            changes.append(f"title “{milestone.title}” → “{row.title}”")
        if milestone.owner_id != row.owner.pk:
            changes.append(f"owner {milestone.owner.email} → {row.owner.email}")
        if milestone.side != row.side:
            changes.append(f"side {milestone.get_side_display()} → {row.side_label}")
        if milestone.due_date != row.due:
            changes.append(f"due {milestone.due_date:%d %b %Y} → {row.due:%d %b %Y}")
        if milestone.evidence_required != row.evidence_required:
            changes.append(
                "evidence " + ("now required" if row.evidence_required else "no longer required")
            )
        wanted = _targets(row, pk_of_row)
        if wanted is None or wanted != dependencies.get(milestone.pk, set()):
            changes.append("dependencies")
        row.changes = changes
        row.effect = "changed" if changes else "unchanged"


def _targets(row: PlannedRow, pk_of_row: dict[int, int]) -> set[int] | None:
    """The milestone ids the row depends on; None when one of them is new (not yet saved)."""
    targets = set()
    for key in row.depends_on:
        kind, _sep, value = key.partition(":")
        if kind == "milestone":
            targets.add(int(value))
        elif int(value) in pk_of_row:
            targets.add(pk_of_row[int(value)])
        else:
            return None
    return targets
