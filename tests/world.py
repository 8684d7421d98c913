"""A populated tenant: people on every side and an engagement built from a shipped playbook."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts.models import Membership, Tenant, User
from engagements.models import Engagement
from engagements.playbooks import get_builtin
from kernel.tenancy import tenant_context
from tests import factories
from transition.services import create_engagement_from_playbook

DAY0 = datetime.date(2026, 1, 5)


@dataclass
class World:
    tenant: Tenant
    admin: User
    pmo: User
    client_lead: User
    client_staff: User
    provider_lead: User
    provider_staff: User
    bystander: User  # a tenant member with no seat on the engagement
    engagement: Engagement


def owners_for(playbook_key: str, world_people: dict[str, User]) -> dict[str, User]:
    playbook = get_builtin(playbook_key)
    owners = {}
    for role in playbook.roles:
        if role.side == "pmo":
            owners[role.key] = world_people["pmo"]
        elif role.key in {"client_lead", "provider_lead"}:
            owners[role.key] = world_people[role.key]
        else:
            owners[role.key] = world_people[f"{role.side}_staff"]
    return owners


def build_world(
    name: str, *, playbook_key: str = "contact-centre-90-day", day0: datetime.date = DAY0
) -> World:
    tenant = factories.TenantFactory(name=name)
    people = {}
    for label, role in (
        ("admin", "admin"),
        ("pmo", "pmo"),
        ("client_lead", "member"),
        ("client_staff", "member"),
        ("provider_lead", "member"),
        ("provider_staff", "member"),
        ("bystander", "member"),
    ):
        user = factories.UserFactory(username=f"{tenant.slug}-{label}")
        Membership.objects.create(user=user, tenant=tenant, role=role)
        people[label] = user
    with tenant_context(tenant):
        engagement = create_engagement_from_playbook(
            actor=people["pmo"],
            tenant=tenant,
            playbook=get_builtin(playbook_key),
            name=f"{name} care desk",
            client_name=f"{name} client",
            provider_name=f"{name} provider",
            contract_signed_on=day0,
            owners=owners_for(playbook_key, people),
        )
    return World(tenant=tenant, engagement=engagement, **people)


def add_engagement(
    world: World,
    *,
    key: str = "contact-centre-90-day",
    name: str = "Second desk",
    actor: User | None = None,
    owners: dict[str, User] | None = None,
) -> Engagement:
    """Another engagement in the world's (active) tenant."""
    return create_engagement_from_playbook(
        actor=actor or world.pmo,
        tenant=world.tenant,
        playbook=get_builtin(key),
        name=name,
        client_name="Acme",
        provider_name="Beta",
        contract_signed_on=DAY0,
        owners=owners if owners is not None else owners_for(key, world.__dict__),
    )


def complete_milestone(world: World, milestone) -> None:
    """Done, with proof, after its dependencies (through the services, as a user would)."""
    from milestones.services import update_milestone

    for dependency in milestone.depends_on.exclude(status="done"):
        complete_milestone(world, dependency)
    update_milestone(actor=world.pmo, milestone=milestone, status="done", evidence="proof")


def finish_phase(world: World, kind: str) -> None:
    from milestones.models import Milestone

    for milestone in Milestone.objects.filter(phase__kind=kind).order_by("due_date", "id"):
        milestone.refresh_from_db()
        if milestone.status != "done":
            complete_milestone(world, milestone)


def meet_criteria_and_attest(world: World, gate) -> None:
    from governance.services import attest_gate, set_criterion_state

    for criterion in gate.criteria.all():
        set_criterion_state(actor=world.provider_lead, criterion=criterion, state="met")
    if gate.client_attestation_required:
        attest_gate(actor=world.client_lead, gate=gate, side="client", comment="Agreed")
    if gate.provider_attestation_required:
        attest_gate(actor=world.provider_lead, gate=gate, side="provider")


def pass_gate(world: World, kind: str, *, comment: str = ""):
    """Finish the phase's work, meet its gate, request and approve it; the decision."""
    from governance.models import Gate
    from governance.services import approve_gate, request_gate_decision

    finish_phase(world, kind)
    gate = Gate.objects.get(phase__kind=kind)
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    return approve_gate(actor=world.pmo, gate=gate, comment=comment)
