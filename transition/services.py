"""Work that spans apps: each app builds and changes its own rows; this layer puts them
together in one transaction (an engagement from a playbook, a slipped phase, a person who
leaves) and checks who may ask for it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from accounts.models import Membership, SingleSignOn, Tenant, User
from accounts.permissions import belongs_to_tenant, tenant_members_among
from accounts.sessions import end_sessions_in_tenant
from accounts.sso import encrypt_secret
from api.services import revoke_tokens_of
from audit import services as audit
from audit.services import operation
from engagements import services as engagements
from engagements.models import Engagement, EngagementMember, Phase
from engagements.permissions import require_planner, require_pmo, require_tenant_admin
from engagements.plan import phase_shift, review_anchor
from engagements.playbooks import PlaybookDefinition
from exports.services import end_calendar_link
from kernel.errors import InvalidInput, RuleBroken, found
from kernel.playbook_sections import PlaybookBuild, in_order
from kernel.registry import playbook_sections
from kernel.text import required
from kernel.validation import a_slug
from milestones import builders as milestones
from milestones.models import Milestone
from registers.models import RaidItem
from reporting import reviews as reporting

LEAD_ROLES = {"client_lead", "provider_lead", "pmo_lead"}


def _seat_role(role_key: str) -> str:
    """The side's lead roles take the lead seat (they attest gates); every other role is a
    member."""
    return EngagementMember.Role.LEAD if role_key in LEAD_ROLES else EngagementMember.Role.MEMBER


def _seats_for(
    *, tenant: Tenant, playbook: PlaybookDefinition, owners: Mapping[str, User]
) -> dict[User, tuple[str, str]]:
    """Every role mapped to a tenant member, one side per person; the seat of each person."""
    missing = [key for key in playbook.role_keys if owners.get(key) is None]
    if missing:
        raise InvalidInput(
            f"Every owner role needs a named person; unmapped: {', '.join(missing)}.",
            errors={"owners": [f"Role “{key}” is not mapped to a person." for key in missing]},
        )
    unknown = sorted(set(owners) - set(playbook.role_keys))
    if unknown:
        raise InvalidInput(
            f"The playbook has no role {', '.join(unknown)}.",
            errors={"owners": [f"Role “{key}” is not in this playbook." for key in unknown]},
        )
    members_of_tenant = tenant_members_among(tenant_id=tenant.pk, users=owners.values())
    outsiders = [key for key, user in owners.items() if user.pk not in members_of_tenant]
    if outsiders:
        raise InvalidInput(
            f"Owners must be members of this tenant; not a member: {', '.join(outsiders)}.",
            errors={
                "owners": [f"The person for “{key}” is not in this tenant." for key in outsiders]
            },
        )
    seats: dict[User, tuple[str, str]] = {}
    for role in playbook.roles:
        user = owners[role.key]
        side, seat_role = role.side, _seat_role(role.key)
        if user in seats and seats[user][0] != side:
            raise InvalidInput(
                f"{user} cannot sit on both the {seats[user][0]} and the {side} side.",
                errors={"owners": [f"“{role.key}” puts {user} on a second side."]},
            )
        if user not in seats or seat_role == EngagementMember.Role.LEAD:
            seats[user] = (side, seat_role)
    return seats


@operation("engagement.created", tenant_of="tenant")
def create_engagement_from_playbook(
    *,
    actor: User,
    tenant: Tenant,
    playbook: PlaybookDefinition,
    name: str,
    client_name: str,
    provider_name: str,
    contract_signed_on: datetime.date,
    owners: Mapping[str, User],
    scope: str = "",
    time_zone: str = "UTC",
    target_go_live: datetime.date | None = None,
) -> Engagement:
    """The engagement, its seats and phases, then every section a domain builds from the
    playbook (``kernel.registry.playbook_sections``: milestones, gates and criteria, reviews
    and KPIs), in a fixed number of inserts.

    Day 0 is the contract signature; every owner role must map to a named tenant member.
    Nothing is created when anything is wrong.
    """
    require_planner(actor=actor, tenant_id=tenant.pk, doing="create engagements")
    seats = _seats_for(tenant=tenant, playbook=playbook, owners=owners)
    engagement, members, phases = engagements.build_engagement(
        tenant=tenant,
        playbook=playbook,
        name=name,
        client_name=client_name,
        provider_name=provider_name,
        contract_signed_on=contract_signed_on,
        seats=seats,
        scope=scope,
        time_zone=time_zone,
        target_go_live=target_go_live,
    )
    plan = PlaybookBuild(engagement=engagement, phases=phases, playbook=playbook, owners=owners)
    created = [engagement, *members, *phases]
    for section in in_order(playbook_sections):
        created += section.build(plan)
    audit.record_many_created(actor=actor, instances=created)
    return engagement


@operation("phase.rescheduled", tenant_of="phase")
def reschedule_phase(
    *, actor: User, phase: Phase, planned_end: datetime.date, reason: str
) -> list[Phase]:
    """A gate slips (or comes forward): the dates behind it move visibly, never silently.

    The phase's end moves; every later phase and the open milestones in them move by the
    same number of days, and so does the target go-live (with the reviews anchored on it)
    when it lay after the old end. Each moved row is in the audit trail with the reason. A
    fixed number of statements, whatever the number of milestones that move.
    """
    phase = found(
        Phase.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such phase.",
        pk=phase.pk,
    )
    engagement = phase.engagement
    require_pmo(actor=actor, engagement=engagement, doing="reschedule a phase")
    if phase.status == Phase.Status.COMPLETE:
        raise RuleBroken(f"The {phase.get_kind_display()} phase is complete; its dates stay.")
    reason = required(reason, field="reason", message="Say why the dates move.")
    if planned_end < phase.planned_start:
        raise InvalidInput(
            "A phase cannot end before it starts.",
            errors={"planned_end": [f"Use {phase.planned_start:%d %b %Y} or later."]},
        )
    shift = phase_shift(phase=phase, planned_end=planned_end)
    if not shift:
        return []
    note = f"Rescheduled: {reason}"
    audit.change(actor=actor, instance=phase, note=note, planned_end=planned_end)
    later = list(Phase.objects.filter(engagement=engagement, position__gt=phase.position))
    for later_phase in later:
        later_phase.engagement = engagement
    engagements.shift_phases(actor=actor, phases=later, days=shift.by, note=note)
    milestones.shift_open_milestones(actor=actor, phases=later, days=shift.by, note=note)
    if shift.moves_go_live:
        audit.change(actor=actor, instance=engagement, note=note, target_go_live=shift.new_go_live)
        if shift.moves_reviews:
            reporting.redate_reviews(actor=actor, engagement=engagement, note=note)
    return [phase, *later]


@operation("engagement.updated", tenant_of="engagement")
def update_engagement(*, actor: User, engagement: Engagement, **changes: Any) -> Engagement:
    """Edit the engagement's facts; moving its review anchor re-dates the reviews visibly."""
    engagement = engagements.locked_for_pmo(
        actor=actor, engagement=engagement, doing="change the engagement's facts"
    )
    changed = engagements.edit_engagement_facts(actor=actor, engagement=engagement, **changes)
    if review_anchor(engagement=engagement).moved_by(changed):
        reporting.redate_reviews(actor=actor, engagement=engagement)
    return engagement


# --- People --------------------------------------------------------------------------------


def _open_work_of(*, user: User, engagement: Engagement | None = None) -> str:
    """What ``user`` still owns that is open (milestones, then RAID items), in words, or ""."""
    milestones_owned = Milestone.objects.filter(owner=user, status__in=Milestone.OPEN)
    items_owned = RaidItem.objects.filter(owner=user, status__in=RaidItem.OPEN)
    if engagement is not None:
        milestones_owned = milestones_owned.filter(engagement=engagement)
        items_owned = items_owned.filter(engagement=engagement)
    for what, owned in (("milestones", milestones_owned), ("RAID items", items_owned)):
        titles = list(owned.order_by("due_date", "id").values_list("title", flat=True)[:5])
        if titles:
            return f"{user} still owns open {what}: {'; '.join(titles)}. Reassign them first."
    return ""


@operation("member.removed", tenant_of="member")
def remove_member(*, actor: User, member: EngagementMember) -> None:
    """A person leaves an engagement; one who still owns open work stays: reassign it first."""
    member = found(
        EngagementMember.objects.select_related("engagement", "user"),
        "No such member.",
        pk=member.pk,
    )
    require_pmo(actor=actor, engagement=member.engagement, doing="change an engagement's team")
    if owned := _open_work_of(user=member.user, engagement=member.engagement):
        raise RuleBroken(owned)
    engagements.delete_seats(actor=actor, seats=[member])


@operation("tenant.created", tenant_of="tenant")
def _open_tenant(*, tenant: Tenant, admin: User) -> Membership:
    membership = Membership.objects.create(user=admin, tenant=tenant, role=Membership.Role.ADMIN)
    audit.record_created(actor=admin, instance=membership)
    return membership


def create_tenant(*, name: str, slug: str, admin: User) -> Tenant:
    """A tenant and its first admin (platform operators, from the command line)."""
    from django.db import IntegrityError, transaction

    name = required(name, field="name", message="Name the tenant.")
    if len(name) > 200:
        raise InvalidInput(
            "The tenant's name is too long.", errors={"name": ["Use at most 200 characters."]}
        )
    slug = a_slug(slug, field="slug", label="Slug", max_length=80)
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(name=name, slug=slug)
            _open_tenant(tenant=tenant, admin=admin)
    except IntegrityError:
        # Checked after the fact: two creations at once cannot both pass a check made before.
        if Tenant.objects.filter(slug=slug).exists():
            raise InvalidInput(
                f"A tenant with the slug “{slug}” already exists.",
                errors={"slug": ["Already used by another tenant."]},
            ) from None
        raise
    return tenant


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"“{role}” is not a role.", errors={"role": ["Choose admin, pmo or member."]}
        )


def _refuse_losing_the_last_admin(*, membership: Membership) -> None:
    others = Membership.objects.filter(
        tenant_id=membership.tenant_id, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)
    if membership.role == Membership.Role.ADMIN and not others.exists():
        raise RuleBroken(
            f"{membership.user} is the last admin of {membership.tenant}; "
            "make someone else admin first."
        )


@operation("membership.added", tenant_of="tenant")
def add_membership(*, actor: User, tenant: Tenant, user: User, role: str) -> Membership:
    """Someone joins the tenant; decided by its admins (and platform superusers)."""
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="change who belongs to it")
    _check_role(role)
    if belongs_to_tenant(user=user, tenant_id=tenant.pk, fresh=True):
        raise InvalidInput(
            f"{user} is already a member of {tenant}.",
            errors={"user": ["Already a member of this tenant."]},
        )
    membership = Membership.objects.create(user=user, tenant=tenant, role=role)
    audit.record_created(actor=actor, instance=membership)
    return membership


def _locked_membership(membership: Membership) -> Membership:
    return found(
        Membership.objects.select_for_update(of=("self",)).select_related("tenant", "user"),
        "No such member.",
        pk=membership.pk,
    )


@operation("membership.changed", tenant_of="membership")
def change_membership_role(*, actor: User, membership: Membership, role: str) -> Membership:
    membership = _locked_membership(membership)
    require_tenant_admin(
        actor=actor, tenant_id=membership.tenant_id, doing="change who belongs to it"
    )
    _check_role(role)
    if role != Membership.Role.ADMIN:
        _refuse_losing_the_last_admin(membership=membership)
    audit.change(actor=actor, instance=membership, role=role)
    return membership


@operation("membership.removed", tenant_of="membership")
def remove_membership(*, actor: User, membership: Membership) -> None:
    """The person leaves the tenant; their seats on its engagements go with them, each with
    its tombstone, and so do their ways in: their API tokens in it are revoked, their calendar
    link ends, and their sessions working in it are signed out. One who still owns open
    milestones stays until they are reassigned."""
    membership = _locked_membership(membership)
    require_tenant_admin(
        actor=actor, tenant_id=membership.tenant_id, doing="change who belongs to it"
    )
    _refuse_losing_the_last_admin(membership=membership)
    if owned := _open_work_of(user=membership.user):
        raise RuleBroken(owned)
    seats = EngagementMember.objects.filter(user=membership.user).select_related("engagement")
    engagements.delete_seats(actor=actor, seats=seats)
    revoke_tokens_of(actor=actor, tenant_id=membership.tenant_id, user=membership.user)
    end_calendar_link(actor=actor, user=membership.user)
    audit.record_deleted(actor=actor, instance=membership)
    membership.delete()
    end_sessions_in_tenant(user=membership.user, tenant_id=membership.tenant_id, by=actor)


def check_owners(
    *, tenant: Tenant, playbook: PlaybookDefinition, owners: Mapping[str, User]
) -> None:
    """The checks ``create_engagement_from_playbook`` makes on the role mapping (every role
    named, each person a tenant member, one side per person), without writing anything: the
    plan preview asks them before the PMO confirms."""
    _seats_for(tenant=tenant, playbook=playbook, owners=owners)


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@operation("single_sign_on.configured", tenant_of="tenant")
def configure_single_sign_on(
    *,
    actor: User,
    tenant: Tenant,
    issuer: str,
    client_id: str,
    allowed_domains: str | list[str],
    first_role: str = Membership.Role.MEMBER,
    client_secret: str = "",
    client_secret_env: str = "",
    local_passwords: bool = True,
    enabled: bool = True,
) -> SingleSignOn:
    """A tenant admin sets the tenant's OpenID Connect provider; audited (never the secret)."""
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="configure its single sign-on")
    existing = SingleSignOn.objects.select_for_update().filter(tenant=tenant).first()
    if isinstance(allowed_domains, str):
        allowed_domains = allowed_domains.split(",")
    domains = sorted({d.strip().lower().lstrip("@") for d in allowed_domains if d.strip()})
    errors: dict[str, list[str]] = {}
    if not domains:
        errors["allowed_domains"] = ["Name at least one e-mail domain."]
    elif bad := [d for d in domains if not _DOMAIN.match(d)]:
        errors["allowed_domains"] = [f"Not a domain: {', '.join(bad)}."]
    else:
        for other in SingleSignOn.objects.exclude(tenant=tenant).select_related("tenant"):
            if taken := sorted(set(domains) & set(other.allowed_domains)):
                errors["allowed_domains"] = [
                    f"Already signed in through another tenant: {', '.join(taken)}."
                ]
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        errors["issuer"] = ["The issuer must be an https:// URL."]
    if not client_id.strip():
        errors["client_id"] = ["Give the client ID the provider issued."]
    if client_secret_env and not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,99}", client_secret_env):
        errors["client_secret_env"] = ["An environment variable's name: A-Z, 0-9 and _."]
    has_secret = bool(client_secret or client_secret_env)
    if not has_secret and not (existing and existing.client_secret_encrypted):
        errors["client_secret"] = ["Give the client secret, or the variable that holds it."]
    if first_role not in Membership.Role.values:
        errors["first_role"] = ["Choose admin, PMO or member."]
    if errors:
        raise InvalidInput("The single sign-on was not saved.", errors=errors)
    values = {
        "enabled": bool(enabled),
        "issuer": issuer.strip().rstrip("/"),
        "client_id": client_id.strip(),
        "client_secret_env": client_secret_env,
        "allowed_domains": domains,
        "first_role": first_role,
        "local_passwords": bool(local_passwords),
    }
    secret = {"client_secret_encrypted": encrypt_secret(client_secret)} if client_secret else {}
    if client_secret_env:
        secret = {"client_secret_encrypted": ""}
    if existing is None:
        sign_on = SingleSignOn.objects.create(tenant=tenant, **values, **secret)
        audit.record_created(actor=actor, instance=sign_on)
        return sign_on
    for name, value in secret.items():
        setattr(existing, name, value)
    if secret:
        existing.save(update_fields=list(secret))
    note = "The client secret was replaced." if client_secret else ""
    audit.change(actor=actor, instance=existing, note=note, **values)
    return existing


@operation("tenant.policy_changed", tenant_of="tenant")
def set_second_factor_required(*, actor: User, tenant: Tenant, required: bool) -> Tenant:
    """Whether PMO and admins need a second factor to sign off, by a tenant admin; audited."""
    tenant = found(Tenant.objects.select_for_update(), "No such tenant.", pk=tenant.pk)
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="change its sign-in policy")
    audit.change(actor=actor, instance=tenant, require_second_factor=bool(required))
    return tenant


@operation("tenant.policy_changed", tenant_of="tenant")
def set_separation_of_duties(*, actor: User, tenant: Tenant, separate: bool) -> Tenant:
    """Four eyes on gate decisions, on or off, by a tenant admin; the change is audited.

    Off suits a tenant with a single PMO: its approvals are then recorded as self-approved.
    """
    tenant = found(Tenant.objects.select_for_update(), "No such tenant.", pk=tenant.pk)
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="change its gate policy")
    audit.change(actor=actor, instance=tenant, separation_of_duties=bool(separate))
    return tenant
