"""Create the demo tenant, a login for every role and two engagements; safe to run again."""

import datetime
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from engagements.models import Engagement
from engagements.playbooks import get_builtin
from engagements.services import start_transition
from kernel.errors import DomainError
from kernel.tenancy import tenant_context
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


# The demo's clock: every date it writes is a number of days before or after one anchor, the
# day it is loaded, so it tells the same story whatever the day. The contact-centre launch is
# on day LAUNCH_DAY since signature: its reviews at day 14, 30, 45 and 60 are published (their
# windows closed long ago), the day-90 review's window has just closed and PMO is finishing
# it; the back-office transition was signed two days ago; the collections pilot is on hold.
LAUNCH_DAY = 96
BACK_OFFICE_DAY = 2
PILOT_DAY = 24


def demo_anchor() -> datetime.date:
    """Today, where the demo engagements run (UTC): the one date the demo's clock counts from."""
    return timezone.localdate(timezone=datetime.UTC)


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


@contextmanager
def on_the_day(moment: datetime.datetime) -> Iterator[None]:
    """Run the block with the process clock at ``moment`` (and ticking), so that what it
    writes carries the day it happened. Gate decisions, attestations, events and published
    reviews are immutable and no service takes a caller's timestamp (a signature must not be
    backdatable): the demo's history is written on its days instead. Never in the future: a
    moment not yet reached runs at the real now."""
    if moment >= timezone.now():
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield


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
            run_the_launch(users=users)
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
        signed_days_ago = {"contact-centre-90-day": LAUNCH_DAY}
        for name, provider, key, provider_lead in plans:
            day0 = demo_anchor() - datetime.timedelta(
                days=signed_days_ago.get(key, BACK_OFFICE_DAY)
            )
            if Engagement.objects.filter(name=name).exists():
                continue
            with on_the_day(_moment(day0, 9)):
                self._engagement(tenant, users, name, provider, key, provider_lead, day0)

    def _engagement(self, tenant, users, name, provider, key, provider_lead, day0) -> None:
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
            contract_signed_on=demo_anchor() - datetime.timedelta(days=PILOT_DAY),
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


def six_week_values(engagement: Engagement) -> list[tuple[str, datetime.date, str]]:
    """Six weeks of daily KPI values for the contact-centre launch, up to yesterday: its KPI
    pages show charts, weekly trends and two drift alerts."""
    from decimal import Decimal

    today = engagement.today()
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=DEMO_WEEKS)
    values = []
    for offset in range((today - first_monday).days):
        day = first_monday + datetime.timedelta(days=offset)
        week = min(offset // 7, DEMO_WEEKS - 1)  # this week's days continue the last week
        for key, means in DEMO_WEEKLY_MEANS.items():
            wobble = Decimal(DEMO_DAILY_WOBBLE[offset % 7])
            if key == "speed-to-lead":
                wobble /= 4
            values.append((key, day, str(Decimal(means[week]) + wobble)))
    return values


# Before those six weeks, from controlled go-live (day 11): each KPI's value on day 11 and its
# change per day, the same whatever the weekday. Contact rate stays below target throughout
# (the bottleneck every review explains); transfer-set rate starts below and recovers in the
# first of the six weeks; the others hold their targets.
LAUNCH_FIRST_DAY = 11
LAUNCH_EARLY_VALUES = {
    "contact-rate": ("22", "0.115"),
    "qualification-rate": ("36", "0.005"),
    "transfer-set-rate": ("55", "0.1"),
    "show-rate": ("74", "0.05"),
    "speed-to-lead": ("4.9", "-0.0075"),
}
# Why each review's misses happened and what was done, by review day and KPI.
LAUNCH_MISSES = {
    (14, "contact-rate"): (
        "Leads were called 40 minutes after they arrived; two carriers flag our caller ID.",
        "Speed-to-lead automation on every lead source and a fresh caller ID pool.",
    ),
    (14, "transfer-set-rate"): (
        "Agents hand over before the prospect agrees to talk to a closer.",
        "Transfer script rewritten; every agent recertified on it with the QA lead.",
    ),
    (30, "contact-rate"): (
        "The new caller IDs are still flagged by one carrier.",
        "Register the numbers with the carriers' reputation services.",
    ),
    (30, "transfer-set-rate"): (
        "Only the first wave was certified on the new transfer script.",
        "Certify the second wave on the script.",
    ),
    (45, "contact-rate"): (
        "Leads arriving after 18:00 are called the next morning.",
        "An evening shift of four agents.",
    ),
    (45, "transfer-set-rate"): (
        "Closers are unavailable at the transfer peaks.",
        "Closer rota aligned with calling hours.",
    ),
    (60, "contact-rate"): (
        "The evening shift is staffed at half its plan.",
        "Two more evening agents hired and certified.",
    ),
    (60, "transfer-set-rate"): (
        "The closer rota change landed mid-window.",
        "Keep the rota; check again at day 90.",
    ),
}
LAUNCH_PUBLISHED_REVIEWS = (14, 30, 45, 60)
# Stabilisation work due from this day on is still open: it waits for the day-90 review.
LAUNCH_OPEN_FROM_DAY = 85


def launch_values(engagement: Engagement) -> list[tuple[str, datetime.date, str]]:
    """The contact-centre launch's values from controlled go-live up to the six weeks of
    ``six_week_values``, so that every review window holds data."""
    from decimal import Decimal

    today = engagement.today()
    six_weeks_from = today - datetime.timedelta(days=today.weekday(), weeks=DEMO_WEEKS)
    day = engagement.contract_signed_on + datetime.timedelta(days=LAUNCH_FIRST_DAY)
    first = day
    values = []
    while day < six_weeks_from:
        since_go_live = (day - first).days
        for key, (start, per_day) in LAUNCH_EARLY_VALUES.items():
            value = Decimal(start) + Decimal(per_day) * since_go_live
            values.append((key, day, str(value.quantize(Decimal("0.01")))))
        day += datetime.timedelta(days=1)
    return values + six_week_values(engagement)


# How many days after its planned date each gate of the launch was approved, by phase: on
# time, or the few days late a real plan runs.
LAUNCH_GATE_DAYS_LATE = {
    "kickoff": 1,
    "transition": 0,
    "access": 1,
    "tooling": 0,
    "controlled_go_live": 0,
    "stabilisation": 1,
}


def run_the_launch(*, users: dict[str, User]) -> None:
    """Day LAUNCH_DAY of the contact-centre launch, as it could have happened, written on the
    days it happened (see ``on_the_day``): each phase's work finished on the days before its
    gate, the first five gates attested and approved near their planned dates, stabilisation's
    gate waiting for PMO with its last work open, the measurements imported every Monday (and
    the morning after a review window closed), the reviews at day 14-60 published a day or two
    after their windows closed with each miss explained, and the day-90 review computed and
    waiting for its explanations and answers (once only)."""
    from governance.models import Gate
    from reporting.models import KpiMeasurement

    engagement = Engagement.objects.filter(name="Contact centre launch").first()
    if (
        engagement is None
        or Gate.objects.filter(engagement=engagement, status="approved").exists()
        or KpiMeasurement.objects.filter(kpi__engagement=engagement).exists()
    ):
        return
    steps: list[tuple[datetime.datetime, Callable[[], None]]] = []
    steps.append(
        (
            _moment(engagement.contract_signed_on + datetime.timedelta(days=2), 11),
            lambda: agree_the_governance(engagement, users),
        )
    )
    steps += _the_plan(engagement, users)
    steps += _the_measurements(engagement, users)
    steps += _the_reviews(engagement, users)
    steps.sort(key=lambda step: step[0])  # stable: a day's steps keep their order
    for moment, step in steps:
        with on_the_day(moment):
            step()


def _the_plan(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    from governance.models import Gate

    steps = []
    previous_gate = _moment(engagement.contract_signed_on, 9, 30)
    for phase in engagement.phases.order_by("position"):
        gate = Gate.objects.get(engagement=engagement, phase=phase)
        gate_day = phase.planned_end + datetime.timedelta(
            days=LAUNCH_GATE_DAYS_LATE.get(phase.kind, 0)
        )
        milestones = Milestone.objects.filter(phase=phase).order_by("due_date", "id")
        if phase.kind == "stabilisation":
            milestones = milestones.filter(
                due_date__lt=engagement.contract_signed_on
                + datetime.timedelta(days=LAUNCH_OPEN_FROM_DAY)
            )
        for milestone in milestones:
            # On its due day, or the day before the gate when that came first.
            done_on = min(milestone.due_date, gate_day - datetime.timedelta(days=1))
            when = max(_moment(done_on, 15), previous_gate + datetime.timedelta(minutes=5))
            steps.append((when, lambda m=milestone: _complete(m, users["pmo"])))
        before = gate_day - datetime.timedelta(days=1)
        if phase.kind == "stabilisation":
            steps.append((_moment(gate_day, 10), lambda g=gate: _ask_for_the_sign_off(g, users)))
            continue
        # A phase's gate opens when the one before it is approved (the plan's phases overlap).
        attest = max(_moment(before, 16), previous_gate + datetime.timedelta(minutes=15))
        request = max(_moment(gate_day, 10), previous_gate + datetime.timedelta(minutes=30))
        approve = request + datetime.timedelta(hours=2)
        steps.append((attest, lambda g=gate: _meet_and_attest(g, users)))
        steps.append((request, lambda g=gate: _request(g, users)))
        steps.append((approve, lambda g=gate: _approve(g, users)))
        previous_gate = approve
    return steps


def _the_measurements(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    """Each day's values imported the next Monday, or the morning after a review window
    closed, whichever came first; the rest this morning."""
    from engagements.plan import review_window
    from reporting.imports import RawRow
    from reporting.measurements import import_measurements
    from reporting.models import Review

    values = launch_values(engagement)
    today = engagement.today()
    window_ends = {
        review_window(review=review)[1] for review in Review.objects.filter(engagement=engagement)
    }
    batches: dict[datetime.date, list[tuple[str, datetime.date, str]]] = {}
    for key, day, value in values:
        import_day = day + datetime.timedelta(days=1)
        while import_day < today and not (
            import_day.weekday() == 0 or import_day - datetime.timedelta(days=1) in window_ends
        ):
            import_day += datetime.timedelta(days=1)
        batches.setdefault(import_day, []).append((key, day, value))

    def importer(batch):
        def step() -> None:
            rows = [
                RawRow(n + 2, key, day.isoformat(), value)
                for n, (key, day, value) in enumerate(batch)
            ]
            import_measurements(actor=users["pmo"], engagement=engagement, rows=rows)

        return step

    return [(_moment(day, 8), importer(batch)) for day, batch in sorted(batches.items())]


def _complete(milestone: Milestone, pmo: User) -> None:
    for dependency in milestone.depends_on.exclude(status="done"):
        _complete(dependency, pmo)
    milestone.refresh_from_db()
    if milestone.status != "done":
        update_milestone(
            actor=pmo, milestone=milestone, status="done", evidence="Signed off in the weekly call"
        )


def _meet_and_attest(gate, users) -> None:
    from governance.services import attest_gate, set_criterion_state

    for criterion in gate.criteria.order_by("position"):
        set_criterion_state(
            actor=users["provider.lead"],
            criterion=criterion,
            state="met",
            justification="Evidence in the shared drive",
        )
    if gate.client_attestation_required:
        attest_gate(actor=users["client.lead"], gate=gate, side="client", comment="Agreed")
    if gate.provider_attestation_required:
        attest_gate(actor=users["provider.lead"], gate=gate, side="provider", comment="Agreed")


def _request(gate, users) -> None:
    from governance.services import request_gate_decision

    request_gate_decision(actor=users["provider.lead"], gate=gate)


def _approve(gate, users) -> None:
    from governance.services import approve_gate

    gate.refresh_from_db()
    approve_gate(actor=users["pmo"], gate=gate, comment="Every criterion met; go ahead.")


def _ask_for_the_sign_off(gate, users) -> None:
    """The transition sign-off waits in the PMO queue, its last milestones still open."""
    from governance.services import attest_gate, request_gate_decision

    gate.refresh_from_db()
    if gate.client_attestation_required:
        attest_gate(actor=users["client.lead"], gate=gate, side="client", comment="Agreed")
    request_gate_decision(actor=users["provider.lead"], gate=gate)


# Days after its window closed that each published review went out.
LAUNCH_PUBLISHED_AFTER = {14: 1, 30: 2, 45: 1, 60: 2}


def _the_reviews(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    """Each review computed the morning after its window closed (after that morning's import);
    the published ones' misses explained by the provider that day and published by PMO a day
    or two after the window closed."""
    from engagements.plan import review_window
    from reporting.models import Review, ReviewKpiResult
    from reporting.reviews import explain_miss, publish_review, refresh_review

    def refresh(review):
        return lambda: refresh_review(actor=users["pmo"], review=review)

    def explain(review, end):
        def step() -> None:
            missed = ReviewKpiResult.objects.filter(review=review, outcome="missed")
            for result in missed.select_related("kpi").order_by("id"):
                cause, fix = LAUNCH_MISSES.get(
                    (review.day, result.kpi.key),
                    ("Not known yet", "Daily QA sampling of ten calls"),
                )
                explain_miss(
                    actor=users["provider.lead"],
                    result=result,
                    root_cause=cause,
                    corrective_action=fix,
                    action_owner=users["provider.lead"],
                    action_due=end + datetime.timedelta(days=14),
                )

        return step

    def publish(review):
        def step() -> None:
            review.refresh_from_db()
            publish_review(actor=users["pmo"], review=review)

        return step

    steps = []
    for review in Review.objects.filter(engagement=engagement).order_by("day"):
        _start, end = review_window(review=review)
        morning_after = end + datetime.timedelta(days=1)
        steps.append((_moment(morning_after, 9), refresh(review)))
        if review.day not in LAUNCH_PUBLISHED_REVIEWS:
            continue
        steps.append((_moment(morning_after, 11), explain(review, end)))
        lag = LAUNCH_PUBLISHED_AFTER.get(review.day, 2)
        steps.append((_moment(end + datetime.timedelta(days=lag), 16), publish(review)))
    return steps


def agree_the_governance(engagement, users: dict[str, User]) -> None:
    """A two-level escalation path and the decision rights, agreed in the launch's first days
    (its launch gate asks for the escalation path)."""
    from registers.services import add_escalation_level, create_decision_right

    pmo, client, provider = users["pmo"], users["client.lead"], users["provider.lead"]
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


def add_demo_registers(*, users: dict[str, User]) -> None:
    """The contact-centre launch's RAID register and exception log, so the registers have
    something to show (once only)."""
    from registers.models import RaidItem
    from registers.services import create_raid_item

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
