"""A sample plan file the PMO can download and import as it is: a shipped playbook's
milestones, each owner role given to one of the tenant's people (someone seated on that side
somewhere in the tenant, or else the PMO who asks)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.models import Tenant, User
from accounts.selectors import tenant_people
from engagements.models import EngagementMember, Phase
from engagements.playbooks import builtin_playbooks
from milestones.models import Milestone

SAMPLE_PLAYBOOK = "contact-centre-90-day"
HEADER = (
    "Phase",
    "Milestone",
    "Owner e-mail",
    "Side",
    "Due day",
    "Depends on",
    "Evidence required",
    "External ID",
)


def sample_rows(*, tenant: Tenant, actor: User) -> list[list[str | int]]:
    playbook = builtin_playbooks()[SAMPLE_PLAYBOOK]
    people = {membership.user_id: membership.user for membership in tenant_people(tenant=tenant)}
    by_side: dict[str, list[User]] = {}
    for user_id, side in (
        EngagementMember.objects.filter(user_id__in=people)
        .order_by("user_id")
        .values_list("user_id", "side")
        .distinct()
    ):
        by_side.setdefault(side, []).append(people[user_id])
    owners: dict[str, User] = {}
    for role in playbook.roles:
        candidates = by_side.get(role.side) or [actor]
        owners[role.key] = candidates[len(owners) % len(candidates)]
    labels = dict(Phase.Kind.choices)
    sides = dict(Milestone.Side.choices)
    rows: list[list[str | int]] = []
    for phase in playbook.phases:
        for item in sorted(phase.milestones, key=lambda item: item.due_day):
            rows.append(
                [
                    labels[phase.kind],
                    item.title,
                    owners[item.owner_role].email,
                    sides[item.side],
                    item.due_day,
                    ", ".join(item.depends_on),
                    "yes" if item.evidence_required else "no",
                    item.key,
                ]
            )
    return rows


def sample_csv(rows: list[list[str | int]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def sample_xlsx(rows: list[list[str | int]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Plan"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
