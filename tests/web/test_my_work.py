"""My work: everything a person owns across the tenant's engagements, overdue first."""

import datetime
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.services import start_transition
from governance.models import Gate
from governance.services import attest_gate
from milestones.models import Milestone
from registers.services import create_raid_item
from reporting.measurements import record_measurement
from reporting.models import Kpi, Review, ReviewKpiResult
from reporting.reviews import explain_miss, refresh_review
from tests.web.pages import table_rows, text_of
from tests.world import add_engagement, build_world, complete_milestone
from transition.portfolio import today_for

MY_WORK = "/my-work/"


def missed_kpi_owned_by(world, owner, *, due):
    review = Review.objects.get(engagement=world.engagement, day=14)
    contact = Kpi.objects.get(engagement=world.engagement, key="contact-rate")
    record_measurement(
        actor=world.pmo, kpi=contact, measured_on=review.scheduled_on, value=Decimal("1")
    )
    refresh_review(actor=world.pmo, review=review)
    result = ReviewKpiResult.objects.get(review=review, outcome="missed")
    return explain_miss(
        actor=world.pmo,
        result=result,
        root_cause="Dialer misrouted calls in week one",
        corrective_action="Re-route the overflow queue",
        action_owner=owner,
        action_due=due,
    )


def test_milestones_actions_and_attestations_of_the_person_overdue_first(client, world):
    today = today_for(world.provider_lead)
    start_transition(actor=world.pmo, engagement=world.engagement)
    owned = Milestone.objects.filter(owner=world.provider_lead).order_by("due_date", "id")
    done = owned[0]
    complete_milestone(world, done)
    # One of theirs not yet due, to see it come after the overdue ones.
    later = owned.exclude(pk=done.pk).order_by("-due_date", "-id").first()
    Milestone.objects.filter(pk=later.pk).update(due_date=today + datetime.timedelta(days=9))
    result = missed_kpi_owned_by(world, world.provider_lead, due=today + datetime.timedelta(days=4))
    open_owned = owned.exclude(status__in=Milestone.CLOSED).count()
    client.force_login(world.provider_lead)

    page = client.get(MY_WORK)

    rows = table_rows(page)
    assert page.status_code == 200
    titles = [row["What"] for row in rows]
    assert not any(title.startswith(done.title) for title in titles)
    assert [row["Type"] for row in rows].count("Milestone") == open_owned
    action = next(row for row in rows if row["Type"] == "Corrective action")
    assert action["What"].startswith("Re-route the overflow queue")
    assert f"{result.kpi.name} missed its target in the day-14 review" in action["What"]
    attestation = next(row for row in rows if row["Type"] == "Attestation")
    assert attestation["What"].startswith("Attest “Kickoff gate” As provider lead")
    assert attestation["Engagement"] == "Alpha care desk"
    # Overdue first (the kickoff gate and most milestones are months late), then by date.
    overdue = [row for row in rows if "Overdue" in row["Due"]]
    assert rows[: len(overdue)] == overdue
    coming = [row["What"] for row in rows[len(overdue) :]]
    assert coming[-2].startswith("Re-route the overflow queue")  # due in 4 days
    assert coming[-1].startswith(later.title)  # due in 9 days
    assert f"{len(overdue)} overdue" in text_of(page)


def test_open_raid_items_of_the_person_with_their_score_and_lateness(client, world):
    from registers.services import close_raid_item

    today = today_for(world.client_lead)

    def add(kind, title, *, owner=world.client_lead, days=3, **fields):
        return create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind=kind,
            title=title,
            owner=owner,
            due_date=today + datetime.timedelta(days=days),
            **fields,
        )

    risk = add("risk", "Dialer licences late", days=-2, probability=4, impact=4)
    add("issue", "Badge readers offline", days=5)
    closed = add("action", "Send the seating plan")
    close_raid_item(actor=world.pmo, item=closed)
    add("action", "Book the training room", owner=world.provider_lead)
    client.force_login(world.client_lead)

    rows = [row for row in table_rows(client.get(MY_WORK)) if row["Type"] in ("Risk", "Issue")]
    assert [(row["Type"], row["What"]) for row in rows] == [
        (
            "Risk",
            "Dialer licences late RAID register · probability 4 \N{MULTIPLICATION SIGN} "
            "impact 4 = 16",
        ),
        ("Issue", "Badge readers offline RAID register"),
    ]
    assert "Overdue" in rows[0]["Due"] and "Overdue" not in rows[1]["Due"]
    page = client.get(MY_WORK).content.decode()
    assert f'href="/engagements/{world.engagement.public_id}/raid/{risk.public_id}/"' in page
    assert "Send the seating plan" not in page and "Book the training room" not in page


def test_an_attestation_once_given_or_not_required_is_not_waiting(client, world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    gate = Gate.objects.get(engagement=world.engagement, phase__kind="kickoff")
    client.force_login(world.client_lead)
    assert "Attestation" in [row["Type"] for row in table_rows(client.get(MY_WORK))]

    attest_gate(actor=world.client_lead, gate=gate, side="client")

    assert "Attestation" not in [row["Type"] for row in table_rows(client.get(MY_WORK))]
    # The provider's lead still has theirs to give; a client staff member never had one.
    client.force_login(world.provider_lead)
    assert "Attestation" in [row["Type"] for row in table_rows(client.get(MY_WORK))]
    client.force_login(world.client_staff)
    assert "Attestation" not in [row["Type"] for row in table_rows(client.get(MY_WORK))]


def test_before_the_transition_starts_no_gate_waits_for_attestation(client, world):
    client.force_login(world.provider_lead)
    assert "Attestation" not in [row["Type"] for row in table_rows(client.get(MY_WORK))]


def test_other_peoples_work_and_other_tenants_work_stay_out(client, world, other_world):
    client.force_login(world.bystander)
    page = client.get(MY_WORK)
    assert table_rows(page) == []
    assert "Nothing is waiting on you" in text_of(page)
    # The other tenant's provider lead owns work there, none of it shown here.
    client.force_login(world.provider_lead)
    assert "Bravo" not in text_of(client.get(MY_WORK))


def test_the_page_costs_the_same_queries_with_few_or_200_items(db, client):
    world = build_world("Alpha")
    from kernel.tenancy import tenant_context

    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        missed_kpi_owned_by(world, world.provider_lead, due=datetime.date(2026, 2, 1))
    client.force_login(world.provider_lead)
    client.get(MY_WORK)

    # Milestones only, so that both pages show the same kinds (one query per kind shown).
    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{MY_WORK}?kind=milestone")
        total = int(re.search(r"(\d+) items?,? ", text_of(response)).group(1))
        return len(queries), total, len(table_rows(response))

    few_queries, few_items, _ = measure()
    with tenant_context(world.tenant):
        while Milestone.objects.filter(owner=world.provider_lead).count() < 200:
            engagement = add_engagement(world, name=f"Desk {Milestone.objects.count()}")
            create_raid_item(
                actor=world.pmo,
                engagement=engagement,
                kind="risk",
                title="Dialer licences late",
                owner=world.provider_lead,
                due_date=datetime.date(2026, 2, 1),
                probability=3,
                impact=4,
            )
    many_queries, many_items, shown = measure()
    assert many_items >= 200 > few_items
    assert shown == 25  # a page
    assert many_queries == few_queries
    assert many_queries <= 13  # 12, and the bulk bar's owner choices since issue 20
