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
            self._portfolio_examples(tenant, users)
            self._slip_a_gate(users)
            load_demo_measurements(actor=users["pmo"])
            add_demo_registers(users=users)
            # Last: the scans find the registers' due items and the KPIs' drift alerts too.
            self._reminders(tenant, users)
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
            _milestone_conversation(engagement=engagement, users=users, provider_lead=provider_lead)

            if key == "contact-centre-90-day":
                self._gate_and_review_to_show(engagement, users)

    def _gate_and_review_to_show(self, engagement, users) -> None:
        """A gate waiting in the PMO queue with items still open, and a day-14 review with
        its first measurements, one KPI missed (web-gates)."""
        from decimal import Decimal

        from governance.models import Gate
        from governance.services import attest_gate, request_gate_decision, set_criterion_state
        from reporting.models import Kpi, Review
        from reporting.services import record_measurement, refresh_review

        gate = Gate.objects.get(engagement=engagement, phase__kind="kickoff")
        for criterion in gate.criteria.filter(required=True).order_by("position")[:2]:
            set_criterion_state(
                actor=users["provider.lead"],
                criterion=criterion,
                state="met",
                justification="Signed copy in the shared drive",
            )
        attest_gate(actor=users["client.lead"], gate=gate, side="client", comment="Agreed")
        request_gate_decision(actor=users["provider.lead"], gate=gate)
        today = engagement.today()
        for kpi in Kpi.objects.filter(engagement=engagement):
            # Speed to lead (lower is better) misses its target; the others meet theirs.
            value = kpi.target * Decimal("1.4" if kpi.key == "speed-to-lead" else "1.1")
            # Today only: always in the week still running, which drift detection never
            # judges. (Yesterday too made a Monday's demo differ: it fell in the last complete
            # week, where it opened a drift episode that the weeks imported next closed.)
            record_measurement(
                actor=users["provider.lead"], kpi=kpi, measured_on=today, value=value
            )
        refresh_review(actor=users["pmo"], review=Review.objects.get(engagement=engagement, day=14))

    def _portfolio_examples(self, tenant, users) -> None:
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
            contract_signed_on=timezone.localdate() - datetime.timedelta(days=24),
            owners={role.key: people[role.side] for role in playbook.roles},
        )
        start_transition(actor=users["pmo"], engagement=engagement)
        put_on_hold(actor=users["pmo"], engagement=engagement)

    def _slip_a_gate(self, users) -> None:
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

    def _reminders(self, tenant, users) -> None:
        """The reminder scans of the last two mornings, delivered in the app: pmo opens the
        demo to a notification centre with something in it. (Demo e-mail goes nowhere.)"""
        from django.test.utils import override_settings

        from notifications import services as notifications

        def deliver_here(batch) -> None:
            if batch.tenant_id == tenant.pk:
                with tenant_context(tenant):
                    notifications.deliver_reminders(reminder_ids=batch.reminder_ids)

        today = timezone.now().date()
        mornings = [today - datetime.timedelta(days=days) for days in (2, 1, 0)]
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for day in mornings:
                moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
                if moment <= timezone.now():
                    notifications.run_scan(now=moment, dispatch=deliver_here)


def _milestone_conversation(*, engagement, users, provider_lead) -> None:
    """The milestone page shows a comment thread and an evidence file from the start."""
    from django.core.files.base import ContentFile

    from milestones.services import add_comment, attach_evidence_file

    milestone = Milestone.objects.filter(engagement=engagement).order_by("due_date", "id").first()
    add_comment(
        actor=provider_lead,
        milestone=milestone,
        body="Minutes attached; our team leads confirmed the hiring plan in the session.",
    )
    add_comment(
        actor=users["client.lead"], milestone=milestone, body="Thanks, we agree with the minutes."
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


# --- KPI measurements for the demo (issue 10) ---------------------------------------------------

DEMO_WEEKS = 6
# Each KPI's mean per week, oldest first: contact rate stays below its 30 % target (a
# below-target alert); show rate is on target but worse three weeks running (a worsening one).
DEMO_WEEKLY_MEANS = {
    "contact-rate": ("26.5", "27.2", "27.9", "28.4", "28.8", "29.1"),
    "qualification-rate": ("36.2", "37.0", "36.8", "37.4", "37.1", "37.6"),
    "transfer-set-rate": ("59.0", "60.4", "61.2", "61.9", "62.3", "62.8"),
    "show-rate": ("76.0", "76.1", "75.0", "73.8", "72.6", "71.4"),
    "speed-to-lead": ("4.6", "4.4", "4.3", "4.2", "4.2", "4.1"),
}
DEMO_DAILY_WOBBLE = ("-0.4", "0.3", "0.1", "-0.2", "0.4", "-0.1", "-0.1")


def load_demo_measurements(*, actor: User) -> None:
    """Six weeks of daily KPI values for the contact-centre demo engagement, up to yesterday,
    imported through the upload service: its KPI pages show charts, weekly trends and two
    drift alerts. Once only: an engagement with older measurements is left as it is."""
    from decimal import Decimal

    from reporting.imports import RawRow
    from reporting.models import KpiMeasurement
    from reporting.services import import_measurements

    engagement = Engagement.objects.filter(name="Contact centre launch").first()
    if engagement is None:
        return
    today = engagement.today()
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=DEMO_WEEKS)
    # The gate-and-review demo records the last two days; the weeks before are this one's.
    if KpiMeasurement.objects.filter(
        kpi__engagement=engagement, measured_on__lt=today - datetime.timedelta(days=2)
    ).exists():
        return
    rows = []
    for offset in range((today - first_monday).days):
        day = first_monday + datetime.timedelta(days=offset)
        week = min(offset // 7, DEMO_WEEKS - 1)  # this week's days continue the last week
        for key, means in DEMO_WEEKLY_MEANS.items():
            wobble = Decimal(DEMO_DAILY_WOBBLE[offset % 7])
            if key == "speed-to-lead":
                wobble /= 4
            value = Decimal(means[week]) + wobble
            rows.append(RawRow(len(rows) + 2, key, day.isoformat(), str(value)))
    import_measurements(actor=actor, engagement=engagement, rows=rows)


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
