"""A milestone's dependencies: within its engagement, never on a later phase, never a circle;
done only after them, reopened only before the milestones that wait on it."""

from __future__ import annotations

from collections.abc import Iterable

from kernel.errors import InvalidInput, ItemsOpen
from milestones.models import Milestone, MilestoneDependency
from milestones.rules import check_evidence


def check_dependencies(*, milestone: Milestone, depends_on: Iterable[Milestone]) -> None:
    depends_on = list(depends_on)
    foreign = [d.title for d in depends_on if d.engagement_id != milestone.engagement_id]
    if foreign:
        raise InvalidInput(
            "A milestone can depend only on milestones of its own engagement.",
            errors={"depends_on": [f"“{title}” is in another engagement." for title in foreign]},
        )
    later = [d.title for d in depends_on if d.phase.position > milestone.phase.position]
    if later:
        raise InvalidInput(
            "A milestone can depend only on milestones of its own phase or an earlier one.",
            errors={
                "depends_on": [
                    f"“{title}” is in a later phase than {milestone.phase}." for title in later
                ]
            },
        )
    if any(d.pk == milestone.pk for d in depends_on):
        raise InvalidInput(
            "A milestone cannot depend on itself.",
            errors={"depends_on": ["A milestone cannot depend on itself."]},
        )
    # Walk the engagement's dependency graph once: a path back to this milestone is a cycle.
    edges: dict[int, list[int]] = {}
    for source, target in (
        MilestoneDependency.objects.filter(milestone__engagement_id=milestone.engagement_id)
        .exclude(milestone_id=milestone.pk)
        .values_list("milestone_id", "depends_on_id")
    ):
        edges.setdefault(source, []).append(target)
    stack, seen = [d.pk for d in depends_on], set()
    while stack:
        node = stack.pop()
        if node == milestone.pk:
            raise InvalidInput(
                "These dependencies would form a cycle.",
                errors={"depends_on": ["This would make the plan circular."]},
            )
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))


def check_can_be_done(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    check_evidence(milestone=milestone)
    waiting = [d for d in depends_on if d.is_open]
    if waiting:
        raise ItemsOpen(
            f"“{milestone.title}” cannot be done before its dependencies",
            items=[f"{d.title} ({d.get_status_display().lower()})" for d in waiting],
        )


def set_dependencies(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    MilestoneDependency.objects.filter(milestone=milestone).delete()
    MilestoneDependency.objects.bulk_create(
        [
            MilestoneDependency(tenant_id=milestone.tenant_id, milestone=milestone, depends_on=d)
            for d in depends_on
        ]
    )
    remember_dependencies(milestone=milestone, depends_on=depends_on)


def remember_dependencies(*, milestone: Milestone, depends_on: list[Milestone]) -> None:
    """The audit snapshot reads the dependencies from here instead of querying them again."""
    milestone._audit_values = {"depends_on": sorted(str(d.public_id) for d in depends_on)}


def check_can_be_reopened(*, milestone: Milestone, done_dependents: list[str]) -> None:
    """A done milestone reopens only while no milestone that depends on it is done."""
    if done_dependents:
        raise ItemsOpen(
            f"“{milestone.title}” cannot be reopened while milestones that depend on it "
            "are done; reopen them first",
            items=done_dependents,
        )


def done_dependents(*, milestone: Milestone) -> list[str]:
    return list(
        Milestone.objects.filter(
            pk__in=MilestoneDependency.objects.filter(depends_on=milestone).values("milestone_id"),
            status=Milestone.Status.DONE,
        )
        .order_by("due_date", "id")
        .values_list("title", flat=True)
    )
