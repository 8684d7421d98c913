"""Create the demo tenant, a login for every role and two engagements; safe to run again."""

import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from bpo_transition.errors import DomainError
from bpo_transition.tenancy import tenant_context
from engagements.models import Engagement
from engagements.playbooks import get_builtin
from engagements.services import start_transition
from milestones.models import Milestone
from milestones.services import update_milestone
from transition.services import create_engagement_from_playbook

DEMO_USERS = [
    # username, first, last, tenant role, superuser
    ("admin", "Alex", "Admin", Membership.Role.ADMIN, True),
    ("pmo", "Priya", "Mehta", Membership.Role.PMO, False),
    ("client.lead", "Claire", "Lund", Membership.Role.MEMBER, False),
    ("provider.lead", "Paolo", "Reyes", Membership.Role.MEMBER, False),
    ("provider.b", "Bea", "Okafor", Membership.Role.MEMBER, False),
]


class Command(BaseCommand):
    help = "Load the demo tenant with a user per role. Existing users keep their passwords."

    def handle(self, *args, **options):
        try:
            created = self._load()
        except DomainError as refused:
            raise CommandError(refused.message) from refused
        if created:
            lines = [
                f"  {username:<15} {role.label:<8} {password}"
                for username, role, password in created
            ]
            credentials_file = Path(settings.DEMO_CREDENTIALS_FILE)
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text("\n".join(lines) + "\n")
            credentials_file.chmod(0o600)
            shown = (
                credentials_file.relative_to(settings.BASE_DIR)
                if credentials_file.is_relative_to(settings.BASE_DIR)
                else credentials_file
            )
            self.stdout.write(f"Demo logins (shown once; also kept in {shown}):")
            self.stdout.write("\n".join(lines))
        else:
            self.stdout.write("Demo data already loaded; passwords unchanged.")

    @transaction.atomic
    def _load(self) -> list[tuple[str, Membership.Role, str]]:
        tenant, _ = Tenant.objects.get_or_create(
            slug="demo", defaults={"name": "Acme Customer Care"}
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
        other, _ = Tenant.objects.get_or_create(slug="globex", defaults={"name": "Globex Retail"})
        Membership.objects.get_or_create(
            user=users["provider.lead"], tenant=other, defaults={"role": Membership.Role.MEMBER}
        )
        Membership.objects.get_or_create(
            user=users["admin"], tenant=other, defaults={"role": Membership.Role.ADMIN}
        )
        with tenant_context(tenant):
            self._engagements(tenant, users)
            add_demo_registers(users=users)
        return created

    def _engagements(self, tenant, users) -> None:
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
        day0 = timezone.localdate() - datetime.timedelta(days=2)
        for name, provider, key, provider_lead in plans:
            if Engagement.objects.filter(name=name).exists():
                continue
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


def add_demo_registers(*, users: dict[str, User]) -> None:
    """The contact-centre launch's RAID register, exception log, a two-level escalation path
    and its decision rights, so the registers have something to show (once only)."""
    from registers.models import RaidItem
    from registers.services import (
        add_escalation_level,
        create_decision_right,
        create_raid_item,
    )

    engagement = Engagement.objects.filter(name="Contact centre launch").first()
    if engagement is None or RaidItem.objects.filter(engagement=engagement).exists():
        return
    pmo, client, provider = users["pmo"], users["client.lead"], users["provider.lead"]
    today = engagement.today()

    def due(days: int) -> datetime.date:
        return today + datetime.timedelta(days=days)

    def milestone(phase_kind: str) -> list[Milestone]:
        first = Milestone.objects.filter(engagement=engagement, phase__kind=phase_kind).first()
        return [first] if first is not None else []

    items = [
        dict(
            kind="risk",
            title="Agents not certified before controlled go-live",
            owner=provider,
            due_date=due(12),
            probability=3,
            impact=5,
            response="Book a second trainer; certify in two cohorts.",
            milestones=milestone("controlled_go_live"),
        ),
        dict(
            kind="risk",
            title="Access approvals slower than planned",
            owner=client,
            due_date=due(5),
            probability=4,
            impact=4,
            response="Provision in batches of ten; daily check with IT security.",
            milestones=milestone("access"),
        ),
        dict(
            kind="risk",
            title="Reporting feed not tested with real data",
            owner=provider,
            due_date=due(20),
            probability=2,
            impact=3,
        ),
        dict(
            kind="assumption",
            title="Client supplies call recordings for training by day 10",
            owner=client,
            due_date=due(8),
        ),
        dict(
            kind="action",
            title="Send the seating plan and badge list",
            owner=client,
            due_date=due(-1),
        ),
        dict(
            kind="issue",
            title="Test environment logins expire after 24 hours",
            owner=client,
            due_date=due(3),
            status="in_progress",
            response="IT to extend the test accounts to 30 days.",
        ),
        dict(
            kind="decision",
            title="Record calls from day one of controlled go-live",
            owner=pmo,
            due_date=due(6),
            description="Both sides want recordings for calibration at the day-14 review.",
        ),
        dict(
            kind="exception",
            title="Refund requested without a receipt",
            owner=client,
            due_date=due(2),
            status="closed",
            description="Customers ask for a refund but cannot show a receipt.",
            handling="Some agents refuse outright; others refund any amount on trust.",
            decision_rule="Refund up to 20 EUR on trust and log it; above that, ask for a "
            "bank statement or escalate to the team lead.",
            agreed_by=[client, provider],
        ),
    ]
    for item in items:
        create_raid_item(actor=pmo, engagement=engagement, **item)
    for name, hours in (("Team leads", 4), ("Operations managers", 24)):
        add_escalation_level(
            actor=pmo,
            engagement=engagement,
            name=name,
            client_contact=client,
            provider_contact=provider,
            response_hours=hours,
        )
    rights = [
        dict(
            area="Scope changes", approver_side="client", consulted="Provider lead", informed="PMO"
        ),
        dict(area="Process changes", approver_side="joint", consulted="Team leads", informed="PMO"),
        dict(
            area="System access", approver=client, consulted="IT security", informed="Provider lead"
        ),
        dict(
            area="Go-live",
            approver_side="pmo",
            consulted="Client and provider leads",
            informed="Everyone on the engagement",
        ),
    ]
    for right in rights:
        create_decision_right(actor=pmo, engagement=engagement, **right)
