"""Plans from a spreadsheet: upload, map the columns, preview, commit (all rows or none).

A file either creates an engagement (its facts come from the form: name, client, provider,
day 0) or re-plans one: each row finds its milestone by external id (or, for a milestone
exported without one, by its id) and changes only what the file changes; rows without a match
are new milestones; a milestone the file leaves out is reported and kept, never deleted.

Creating runs ``transition.services.create_engagement_from_playbook`` on a plan built from the
rows (every owner seated on the side of most of their milestones, the busiest owner of each
side its lead; all six phases, each ending at its last milestone; one gate per phase), so an
imported engagement is built exactly like one from a shipped playbook. Both paths write in a
constant number of statements whatever the number of rows.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import operator
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import Tenant, User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import require_planner, require_pmo
from engagements.playbooks import (
    CriterionDef,
    GateDef,
    MilestoneDef,
    PhaseDef,
    PlaybookDefinition,
    RoleDef,
)
from kernel.errors import InvalidInput, NotFound, RuleBroken
from milestones.models import Milestone, MilestoneDependency
from plans import checks, files
from plans.models import PlanUpload
from transition.services import create_engagement_from_playbook

PREVIEW_SECONDS = 3600
FACTS = (
    "name",
    "client_name",
    "provider_name",
    "contract_signed_on",
    "target_go_live",
    "time_zone",
)


def _require(*, actor: User, tenant: Tenant, engagement: Engagement | None) -> None:
    if engagement is None:
        require_planner(actor=actor, tenant_id=tenant.pk, doing="create engagements")
    else:
        require_pmo(actor=actor, engagement=engagement, doing="re-plan an engagement from a file")


def _facts_json(facts: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in facts.items()
        if name in FACTS
    }


def day0_of(upload: PlanUpload) -> datetime.date:
    if upload.engagement is not None:
        return upload.engagement.contract_signed_on
    return datetime.date.fromisoformat(upload.facts["contract_signed_on"])


@operation("plan.upload_stored", tenant_of="tenant")
def store(
    *,
    actor: User,
    tenant: Tenant,
    name: str,
    content: bytes,
    facts: dict[str, Any] | None = None,
    engagement: Engagement | None = None,
) -> PlanUpload:
    """Keep a readable file, with its columns guessed by name; its rows are checked later."""
    _require(actor=actor, tenant=tenant, engagement=engagement)
    if engagement is None and not (facts or {}).get("contract_signed_on"):
        raise InvalidInput(
            "Give the contract signature date (day 0).",
            errors={"contract_signed_on": ["Give the contract signature date (day 0)."]},
        )
    sheet = files.read_file(name=name, content=content)
    now = timezone.now()
    PlanUpload.objects.filter(
        uploaded_by=actor, uploaded_at__lt=now - datetime.timedelta(seconds=PREVIEW_SECONDS)
    ).delete()
    return PlanUpload.objects.create(
        tenant=tenant,
        engagement=engagement,
        facts=_facts_json(facts or {}),
        file_name=(name or "plan")[-200:],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        mapping=files.guess_mapping(sheet.header),
        uploaded_by=actor,
        uploaded_at=now,
    )


def upload_of(*, actor: User, public_id: Any, lock: bool = False) -> PlanUpload:
    """A stored plan file that ``actor`` uploaded in the active tenant (any other: NotFound)."""
    uploads = PlanUpload.objects.filter(uploaded_by=actor, public_id=public_id)
    if lock:
        uploads = uploads.select_for_update(of=("self",))
    upload = uploads.select_related("engagement").first()
    if upload is None or upload.uploaded_at < timezone.now() - datetime.timedelta(
        seconds=PREVIEW_SECONDS
    ):
        raise NotFound("No such plan file: it was imported or expired. Upload the file again.")
    return upload


def _sheet(upload: PlanUpload) -> files.Sheet:
    content = bytes(upload.content)
    if hashlib.sha256(content).hexdigest() != upload.sha256:
        raise RuleBroken("The stored file is damaged; upload it again.", field="file")
    return files.read_file(name=upload.file_name, content=content)


def preview(*, actor: User, upload: PlanUpload) -> tuple[files.Sheet, checks.Checked]:
    """The file's rows checked against the plan as it stands now; writes nothing."""
    _require(actor=actor, tenant=upload.tenant, engagement=upload.engagement)
    sheet = _sheet(upload)
    mapping = {key: upload.mapping.get(key) for key in files.FIELD_BY_KEY}
    checked = checks.check(
        sheet=sheet,
        mapping=mapping,
        tenant=upload.tenant,
        day0=day0_of(upload),
        engagement=upload.engagement,
    )
    return sheet, checked


@operation("plan.upload_mapped", tenant_of="upload")
def remap(*, actor: User, upload: PlanUpload, mapping: dict[str, int | None]) -> PlanUpload:
    """The PMO's correction of which column holds which field."""
    _require(actor=actor, tenant=upload.tenant, engagement=upload.engagement)
    sheet = _sheet(upload)
    cleaned = {key: mapping.get(key) for key in files.FIELD_BY_KEY}
    problems = checks.mapping_problems(cleaned, sheet.header)
    if problems:
        raise InvalidInput(problems[0], errors={"__all__": problems})
    upload.mapping = cleaned
    upload.save(update_fields=["mapping"])
    return upload


class PlanRejected(InvalidInput):
    """The rows do not check (now): nothing was written."""

    def __init__(self, checked: checks.Checked) -> None:
        if checked.mapping_errors:
            message = "Nothing was imported: " + checked.mapping_errors[0]
        else:
            first = checked.errors[0]
            message = (
                f"Nothing was imported: {len(checked.errors)} problem"
                f"{'s' if len(checked.errors) != 1 else ''} in {checked.rows_with_errors} row"
                f"{'s' if checked.rows_with_errors != 1 else ''}, the first in row "
                f"{first.number} ({first.column}): {first.reason}"
            )
        super().__init__(message, errors={"file": [message]})
        self.checked = checked


@dataclass(frozen=True)
class Imported:
    engagement: Engagement
    new: int
    changed: int
    unchanged: int
    missing: int


@operation("plan.imported", tenant_of="upload")
def commit(*, actor: User, upload: PlanUpload) -> Imported:
    """Write the file's plan, checked again now: all of it, or nothing."""
    actor = getattr(actor, "_wrapped", actor)
    upload = upload_of(actor=actor, public_id=upload.public_id, lock=True)
    _, checked = preview(actor=actor, upload=upload)
    if not checked.ok:
        raise PlanRejected(checked)
    if upload.engagement is None:
        done = _create(actor=actor, upload=upload, checked=checked)
    else:
        done = _update(actor=actor, engagement=upload.engagement, checked=checked)
    upload.delete()
    return done


# --- Creating an engagement -----------------------------------------------------------------


def _key(number: int) -> str:
    return f"row{number}"


def plan_definition(
    *, checked: checks.Checked, name: str
) -> tuple[PlaybookDefinition, dict[str, User]]:
    """The rows as a playbook (and its owner roles mapped to the owners), all six phases."""
    sides: dict[User, Counter] = {}
    for row in checked.rows:
        seat = "pmo" if row.side == Milestone.Side.JOINT else row.side
        sides.setdefault(row.owner, Counter())[seat] += 1
    seat_of = {user: counts.most_common(1)[0][0] for user, counts in sides.items()}
    busiest: dict[str, User] = {}
    for user, seat in sorted(
        seat_of.items(), key=lambda item: (-sum(sides[item[0]].values()), item[0].pk)
    ):
        busiest.setdefault(seat, user)
    role_of: dict[User, str] = {}
    for position, user in enumerate(sorted(seat_of, key=lambda user: user.pk), start=1):
        seat = seat_of[user]
        role_of[user] = f"{seat}_lead" if busiest[seat] == user else f"owner_{position}"
    roles = tuple(
        RoleDef(key=role_of[user], side=seat_of[user], label=user.get_full_name() or user.email)
        for user in sorted(seat_of, key=lambda user: user.pk)
    )
    by_phase: dict[str, list[checks.PlannedRow]] = {kind: [] for kind in Phase.ORDER}
    for row in checked.rows:
        by_phase[row.phase].append(row)
    phases = []
    start = 0
    go_live_day = 0
    for kind in Phase.ORDER:
        rows = sorted(by_phase[kind], key=lambda row: (row.day, row.number))
        end = max([start, *(row.day for row in rows)])
        if kind == Phase.Kind.CONTROLLED_GO_LIVE:
            go_live_day = start
        label = checks.PHASE_LABELS[kind]
        phases.append(
            PhaseDef(
                kind=kind,
                start_day=start,
                end_day=end,
                milestones=tuple(
                    MilestoneDef(
                        key=_key(row.number),
                        title=row.title,
                        description="",
                        owner_role=role_of[row.owner],
                        side=row.side,
                        due_day=row.day,
                        evidence_required=row.evidence_required,
                        external_id=row.external_id or None,
                        depends_on=tuple(
                            _key(int(ref.partition(":")[2])) for ref in row.depends_on
                        ),
                    )
                    for row in rows
                ),
                gate=GateDef(
                    name=f"{label} gate",
                    criteria=(CriterionDef(f"Every {label.lower()} milestone is done", True),),
                    client_attestation_required=False,
                    provider_attestation_required=False,
                ),
            )
        )
        start = end
    definition = PlaybookDefinition(
        key="imported",
        name=name,
        description="Imported from a plan file.",
        source="",
        go_live_day=go_live_day,
        review_anchor=Engagement.ReviewAnchor.CONTRACT_SIGNATURE,
        roles=roles,
        phases=tuple(phases),
        reviews=(),
        kpis=(),
    )
    return definition, {role_of[user]: user for user in role_of}


def _create(*, actor: User, upload: PlanUpload, checked: checks.Checked) -> Imported:
    facts = upload.facts
    definition, owners = plan_definition(checked=checked, name=upload.file_name)
    go_live = facts.get("target_go_live")
    engagement = create_engagement_from_playbook(
        actor=actor,
        tenant=upload.tenant,
        playbook=definition,
        name=facts.get("name", ""),
        client_name=facts.get("client_name", ""),
        provider_name=facts.get("provider_name", ""),
        contract_signed_on=datetime.date.fromisoformat(facts["contract_signed_on"]),
        time_zone=facts.get("time_zone") or "UTC",
        target_go_live=datetime.date.fromisoformat(go_live) if go_live else None,
        owners=owners,
    )
    return Imported(engagement, new=len(checked.rows), changed=0, unchanged=0, missing=0)


# --- Re-planning an engagement --------------------------------------------------------------

WRITABLE = ("phase", "title", "owner", "side", "due_date", "evidence_required")


def _update(*, actor: User, engagement: Engagement, checked: checks.Checked) -> Imported:
    phases = {phase.kind: phase for phase in Phase.objects.filter(engagement=engagement)}
    public_ids = dict(
        Milestone.objects.filter(engagement=engagement).values_list("pk", "public_id")
    )
    current: dict[int, set[int]] = {}
    for source, target in MilestoneDependency.objects.filter(
        milestone__engagement=engagement
    ).values_list("milestone_id", "depends_on_id"):
        current.setdefault(source, set()).add(target)
    now = timezone.now()
    new: list[Milestone] = []
    changed: list[tuple[Milestone, dict]] = []
    milestone_of_row: dict[int, Milestone] = {}
    for row in checked.rows:
        if row.effect == "new":
            milestone = Milestone(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                phase=phases[row.phase],
                title=row.title,
                owner=row.owner,
                side=row.side,
                due_date=row.due,
                evidence_required=row.evidence_required,
                external_id=row.external_id or None,
            )
            new.append(milestone)
        else:
            milestone = row.milestone
        milestone_of_row[row.number] = milestone
    if new:
        Milestone.objects.bulk_create(new)
        public_ids.update({m.pk: m.public_id for m in new})
    wanted: dict[int, set[int]] = {}
    for row in checked.rows:
        targets = set()
        for ref in row.depends_on:
            kind, _sep, value = ref.partition(":")
            targets.add(int(value) if kind == "milestone" else milestone_of_row[int(value)].pk)
        wanted[milestone_of_row[row.number].pk] = targets
    for row in checked.rows:
        if row.effect != "changed":
            continue
        milestone = row.milestone
        milestone._audit_values = {
            "depends_on": sorted(str(public_ids[t]) for t in current.get(milestone.pk, ()))
        }
        before = audit.snapshot(milestone)
        milestone.phase = phases[row.phase]
        milestone.title = row.title
        milestone.owner = row.owner
        milestone.side = row.side
        milestone.due_date = row.due
        milestone.evidence_required = row.evidence_required
        milestone.version += 1
        milestone.updated_at = now
        changed.append((milestone, before))
    removed: list[Q] = []
    added = []
    for pk, targets in wanted.items():
        have = current.get(pk, set())
        for target in have - targets:
            removed.append(Q(milestone_id=pk, depends_on_id=target))
        added += [
            MilestoneDependency(tenant_id=engagement.tenant_id, milestone_id=pk, depends_on_id=t)
            for t in targets - have
        ]
    if removed:
        MilestoneDependency.objects.filter(functools.reduce(operator.or_, removed)).delete()
    if added:
        MilestoneDependency.objects.bulk_create(added)
    for milestone in [*new, *(m for m, _ in changed)]:
        milestone._audit_values = {
            "depends_on": sorted(str(public_ids[t]) for t in wanted.get(milestone.pk, ()))
        }
    if changed:
        Milestone.objects.bulk_update(
            [m for m, _ in changed], [*WRITABLE, "version", "updated_at"], batch_size=2000
        )
        audit.record_many_updated(actor=actor, changed=changed, note="from a plan file")
    if new:
        audit.record_many_created(actor=actor, instances=new)
    return Imported(
        engagement,
        new=len(new),
        changed=len(changed),
        unchanged=checked.count("unchanged"),
        missing=len(checked.missing),
    )
