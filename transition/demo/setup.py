"""The demo tenant: a login for every role, its engagements and what happened to them so far.

Every date is counted from the day the demo is loaded (``transition.demo.clock``), so it tells
the same story whatever the day; loading it twice changes nothing.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from engagements.models import Engagement
from engagements.playbooks import get_builtin
from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from transition.demo.baselines import add_demo_baselines
from transition.demo.clock import (
    BACK_OFFICE_DAY,
    LAUNCH_DAY,
    PILOT_DAY,
    demo_anchor,
    moment_on,
    on_the_day,
)
from transition.demo.forecast import add_demo_forecast
from transition.demo.launch import run_the_launch
from transition.demo.registers import add_demo_registers
from transition.demo.roster import add_demo_roster
from transition.demo.security import add_demo_security_log
from transition.demo.workload import add_provider_workload
from transition.services import create_engagement_from_playbook

DEMO_USERS = [
    # username, first, last, tenant role, superuser
    ("admin", "Alex", "Admin", Membership.Role.ADMIN, True),
    ("pmo", "Priya", "Mehta", Membership.Role.PMO, False),
    ("client.lead", "Claire", "Lund", Membership.Role.MEMBER, False),
    ("provider.lead", "Paolo", "Reyes", Membership.Role.MEMBER, False),
    ("provider.b", "Bea", "Okafor", Membership.Role.MEMBER, False),
]


@transaction.atomic
def load() -> list[tuple[str, Membership.Role, str]]:
    """The demo tenant, its people and engagements; the logins created now (username, role,
    password), none when the demo was there already."""
    # The demo's people sign in with a password alone: its tenants do not require a second
    # factor (the credentials file says how to turn it on).
    tenant, _ = Tenant.objects.get_or_create(
        slug="demo", defaults={"name": "Acme Customer Care", "require_second_factor": False}
    )
    created = []
    users = {}
    for username, first, last, role, superuser in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.invalid",
                is_staff=superuser,
                is_superuser=superuser,
            )
            created.append((username, role, password))
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
        users[username] = user
    # A provider lead who also works for a second client: the tenant switcher has a use.
    other, _ = Tenant.objects.get_or_create(
        slug="globex", defaults={"name": "Globex Retail", "require_second_factor": False}
    )
    Membership.objects.get_or_create(
        user=users["provider.lead"], tenant=other, defaults={"role": Membership.Role.MEMBER}
    )
    Membership.objects.get_or_create(
        user=users["admin"], tenant=other, defaults={"role": Membership.Role.ADMIN}
    )
    with tenant_context(tenant):
        _engagements(tenant, users)
        _portfolio_examples(tenant, users)
        add_demo_baselines(users=users)
        _slip_a_gate(users)
        _a_bulk_change(tenant, users)
        run_the_launch(users=users)
        add_demo_registers(users=users)
        add_demo_roster(tenant=tenant, users=users)
        add_demo_security_log(tenant=tenant, users=users)
        add_demo_forecast(tenant=tenant, users=users)
        add_provider_workload(users=users)
        # Last: the scans find the registers' due items and the KPIs' drift alerts too.
        _reminders(tenant, users)
    return created


def _engagements(tenant, users) -> None:
    """Two providers for one client: provider B must never see provider A's plan."""
    plans = [
        (
            "Contact centre launch",
            "Northstar Contact",
            "contact-centre-90-day",
            users["provider.lead"],
        ),
        (
            "Back-office transition",
            "Bluewater Services",
            "implementation-outline",
            users["provider.b"],
        ),
    ]
    signed_days_ago = {"contact-centre-90-day": LAUNCH_DAY}
    for name, provider, key, provider_lead in plans:
        day0 = demo_anchor() - datetime.timedelta(days=signed_days_ago.get(key, BACK_OFFICE_DAY))
        if Engagement.objects.filter(name=name).exists():
            continue
        with on_the_day(moment_on(day0, 9)):
            _engagement(tenant, users, name, provider, key, provider_lead, day0)


def _engagement(tenant, users, name, provider, key, provider_lead, day0) -> None:
    """One engagement as it was set up on the day its contract was signed."""
    playbook = get_builtin(key)
    people = {
        "client": users["client.lead"],
        "provider": provider_lead,
        "pmo": users["pmo"],
    }
    engagement = create_engagement_from_playbook(
        actor=users["pmo"],
        tenant=tenant,
        playbook=playbook,
        name=name,
        client_name="Acme",
        provider_name=provider,
        contract_signed_on=day0,
        owners={role.key: people[role.side] for role in playbook.roles},
    )
    start_transition(actor=users["pmo"], engagement=engagement)
    first = Milestone.objects.filter(engagement=engagement).order_by("due_date", "id")
    for milestone in first[:1]:
        update_milestone(
            actor=users["pmo"],
            milestone=milestone,
            status="done",
            evidence="Minutes shared with both sides",
        )
    _milestone_conversation(engagement=engagement, users=users, provider_lead=provider_lead)


def _portfolio_examples(tenant, users) -> None:
    """Portfolio (issue 7): a pilot that slipped and was put on hold, so that the health
    column shows its reasons (a late gate, overdue milestones, on hold) beside the others."""
    from engagements.services import put_on_hold

    name = "Collections pilot"
    if Engagement.objects.filter(name=name).exists():
        return
    playbook = get_builtin("seven-step-onboarding")
    people = {
        "client": users["client.lead"],
        "provider": users["provider.lead"],
        "pmo": users["pmo"],
    }
    engagement = create_engagement_from_playbook(
        actor=users["pmo"],
        tenant=tenant,
        playbook=playbook,
        name=name,
        client_name="Acme",
        provider_name="Northstar Contact",
        contract_signed_on=demo_anchor() - datetime.timedelta(days=PILOT_DAY),
        owners={role.key: people[role.side] for role in playbook.roles},
    )
    start_transition(actor=users["pmo"], engagement=engagement)
    put_on_hold(actor=users["pmo"], engagement=engagement)


def _slip_a_gate(users) -> None:
    """The engagement page shows a slipped gate (late in colour and in words): the
    back-office access phase runs five days over, once."""
    from transition.selectors import planned_gate_dates
    from transition.services import reschedule_phase

    engagement = Engagement.objects.filter(name="Back-office transition").first()
    if engagement is None:
        return
    access = engagement.phases.get(kind="access")
    if planned_gate_dates(engagement=engagement).get(access.pk) != access.planned_end:
        return  # already moved
    reschedule_phase(
        actor=users["pmo"],
        phase=access,
        planned_end=access.planned_end + datetime.timedelta(days=5),
        reason="Badge provisioning waits for the client's security review",
    )


def _a_bulk_change(tenant, users) -> None:
    """Bulk changes (issue 20): the back-office provider lead moved the next three tooling
    milestones to one date in one change, which the audit trail shows as one operation."""
    from audit.models import Event
    from milestones import bulk

    engagement = Engagement.objects.filter(name="Back-office transition").first()
    if engagement is None or Event.objects.filter(operation=bulk.OPERATION).exists():
        return
    moving = list(
        Milestone.objects.filter(engagement=engagement, phase__kind="tooling")
        .filter(status__in=Milestone.OPEN)
        .order_by("due_date", "id")[:3]
    )
    if not moving:
        return
    bulk.apply_bulk_change(
        actor=users["provider.b"],
        tenant=tenant,
        ids=[m.public_id for m in moving],
        change=bulk.BulkChange(due_date=moving[-1].due_date + datetime.timedelta(days=3)),
        mode=bulk.ALLOWED,
    )


def _reminders(tenant, users) -> None:
    """The reminder scans of the last two mornings, delivered in the app: pmo opens the
    demo to a notification centre with something in it. (Demo e-mail goes nowhere.)"""
    from django.test.utils import override_settings

    from notifications.delivery import deliver_reminders
    from notifications.scan import run_scan

    def deliver_here(batch) -> None:
        if batch.tenant_id == tenant.pk:
            with tenant_context(tenant):
                deliver_reminders(reminder_ids=batch.reminder_ids)

    today = timezone.now().date()
    mornings = [today - datetime.timedelta(days=days) for days in (2, 1, 0)]
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for day in mornings:
            moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
            if moment <= timezone.now():
                run_scan(now=moment, dispatch=deliver_here)


def _milestone_conversation(*, engagement, users, provider_lead) -> None:
    """The milestone page shows a comment thread and an evidence file from the start."""
    from django.core.files.base import ContentFile

    from milestones.comments import add_comment
    from milestones.evidence import attach_evidence_file

    milestone = Milestone.objects.filter(engagement=engagement).order_by("due_date", "id").first()
    add_comment(
        actor=provider_lead,
        milestone=milestone,
        body="Minutes attached; our team leads confirmed the hiring plan in the session.",
    )
    add_comment(
        actor=users["client.lead"],
        milestone=milestone,
        body="Thanks, we agree with the minutes; our contact list for escalations follows.",
    )
    attach_evidence_file(
        actor=users["pmo"],
        milestone=milestone,
        upload=ContentFile(
            b"Kickoff minutes\n\nAttendees: client lead, provider lead, PMO.\n"
            b"Decisions: launch scope, escalation contacts, weekly status call.\n",
            name="kickoff-minutes.txt",
        ),
    )
